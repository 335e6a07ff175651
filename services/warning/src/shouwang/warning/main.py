"""The warning service app: department pushes → filing → tasks → township/village → back."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from shouwang.common.clock import Clock
from shouwang.common.errors import error_body
from shouwang.common.geography_store import attach_geography
from shouwang.common.service import create_service_app
from shouwang.warning.adapters.tables import inbox, outbox
from shouwang.warning.api import (
    routes_batches,
    routes_county,
    routes_stream,
    routes_tasks,
    routes_upload,  # before routes_batches: /template vs /{batch_id}
)
from shouwang.warning.config import WarningSettings
from shouwang.warning.domain.errors import DomainError
from shouwang.warning.messaging.consumers import consumer_specs
from shouwang.warning.service.deadlines import deadline_loop


def create_app(settings: WarningSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the warning app (uvicorn --factory shouwang.warning.main:create_app)."""
    settings = settings or WarningSettings()
    app = create_service_app(
        settings=settings,
        title="守望 · 预警核实服务 (warning)",
        outbox=outbox,
        inbox=inbox,
        routers=[routes_upload.router,
                 routes_batches.router, routes_tasks.router, routes_county.router,
                 routes_stream.router],
        loops=[deadline_loop],
        consumers=consumer_specs,
        clock=clock,
        on_startup=attach_geography,
    )

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=exc.status)

    return app
