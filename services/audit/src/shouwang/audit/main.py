"""The audit service app: hash-chained log of every event, supervision metrics, county dashboard."""

import asyncio

from fastapi import FastAPI
from shouwang.audit.adapters.tables import inbox, outbox
from shouwang.audit.api import (
    routes_audit,
    routes_metrics,
    routes_report,
    routes_stream,
    routes_web,
)
from shouwang.audit.config import AuditSettings
from shouwang.audit.messaging.consumers import consumer_specs
from shouwang.common.clock import Clock
from shouwang.common.geography_store import load_deployment_geography
from shouwang.common.service import ServiceRuntime, create_service_app


async def _keep_stop_event(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Expose the shutdown event so open SSE streams end when the app stops."""
    runtime.state["stop"] = stop
    await stop.wait()


def create_app(settings: AuditSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the audit app (uvicorn --factory shouwang.audit.main:create_app)."""
    settings = settings or AuditSettings()

    async def on_startup(runtime: ServiceRuntime) -> None:
        runtime.state["geography"] = await load_deployment_geography(runtime.engine)

    app = create_service_app(
        settings=settings, title="守望 · 审计与督导服务 (audit)", outbox=outbox, inbox=inbox,
        routers=[routes_audit.router, routes_metrics.router, routes_report.router,
                 routes_stream.router, routes_web.router],
        consumers=consumer_specs(), loops=[_keep_stop_event], clock=clock, on_startup=on_startup,
    )
    routes_web.mount_static(app)
    return app
