"""The audit service app: hash-chained log of every event, supervision metrics, county dashboard."""

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
from shouwang.common.geography_store import attach_geography
from shouwang.common.service import create_service_app


def create_app(settings: AuditSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the audit app (uvicorn --factory shouwang.audit.main:create_app)."""
    settings = settings or AuditSettings()

    app = create_service_app(
        settings=settings,
        title="守望 · 审计与督导服务 (audit)",
        outbox=outbox,
        inbox=inbox,
        routers=[
            routes_audit.router,
            routes_metrics.router,
            routes_report.router,
            routes_stream.router,
            routes_web.router,
        ],
        consumers=consumer_specs,
        clock=clock,
        on_startup=attach_geography,
    )
    routes_web.mount_static(app)
    return app
