"""The assistance app: registry, identification, plans, follow-up, risk elimination."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from shouwang.assistance.adapters.tables import inbox, outbox
from shouwang.assistance.api import routes_campaigns, routes_households, routes_workflow
from shouwang.assistance.config import AssistanceSettings
from shouwang.assistance.domain.errors import DomainError
from shouwang.assistance.messaging.consumers import consumer_specs
from shouwang.assistance.service.deadlines import deadline_loop
from shouwang.common.clock import Clock
from shouwang.common.errors import error_body
from shouwang.common.geography_store import load_deployment_geography
from shouwang.common.service import ServiceRuntime, create_service_app


def create_app(settings: AssistanceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the assistance app (uvicorn --factory shouwang.assistance.main:create_app)."""
    settings = settings or AssistanceSettings()
    holder: dict[str, ServiceRuntime] = {}

    async def on_startup(runtime: ServiceRuntime) -> None:
        holder["runtime"] = runtime
        runtime.state["geography"] = await load_deployment_geography(runtime.engine)

    app = create_service_app(
        settings=settings,
        title="守望 · 帮扶服务 (assistance)",
        outbox=outbox,
        inbox=inbox,
        routers=[routes_households.router, routes_workflow.router, routes_campaigns.router],
        consumers=consumer_specs(lambda: holder["runtime"]),
        loops=[deadline_loop],
        clock=clock,
        on_startup=on_startup,
    )

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        body = error_body(exc.code, exc.message, exc.field, exc.details)
        return JSONResponse(body, status_code=exc.status)

    return app
