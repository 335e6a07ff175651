"""The assistance app: registry, identification, plans, follow-up, risk elimination."""

from fastapi import FastAPI
from shouwang.assistance.adapters.tables import inbox, outbox
from shouwang.assistance.api import (
    routes_campaigns,
    routes_households,
    routes_plans,
    routes_quality,
    routes_workflow,
)
from shouwang.assistance.config import AssistanceSettings
from shouwang.assistance.messaging.consumers import consumer_specs
from shouwang.assistance.service.deadlines import deadline_loop
from shouwang.common.clock import Clock
from shouwang.common.geography_store import attach_geography
from shouwang.common.http.body_limit import Limit
from shouwang.common.service import create_service_app


def create_app(settings: AssistanceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the assistance app (uvicorn --factory shouwang.assistance.main:create_app)."""
    settings = settings or AssistanceSettings()

    app = create_service_app(
        settings=settings,
        title="守望 · 帮扶服务 (assistance)",
        outbox=outbox,
        inbox=inbox,
        routers=[
            routes_households.router,
            routes_workflow.router,
            routes_campaigns.router,
            routes_quality.router,
            routes_plans.router,
        ],
        consumers=consumer_specs,
        loops=[deadline_loop],
        clock=clock,
        on_startup=attach_geography,
        body_limits=[import_limit(settings)],
    )

    return app


def import_limit(settings: AssistanceSettings) -> Limit:
    """The size limit of a registry import (raw body or multipart)."""
    path = routes_households.IMPORT_PATH
    return Limit(path, settings.max_import_bytes, "导入文件", "请拆分后导入")
