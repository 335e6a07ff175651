"""The warning service app: department pushes → filing → tasks → township/village → back."""

from fastapi import FastAPI
from shouwang.common.clock import Clock
from shouwang.common.geography_store import attach_geography
from shouwang.common.http.body_limit import Limit
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
from shouwang.warning.messaging.consumers import consumer_specs
from shouwang.warning.service.deadlines import deadline_loop
from shouwang.warning.service.feed_retention import feed_retention_loop


def create_app(settings: WarningSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the warning app (uvicorn --factory shouwang.warning.main:create_app)."""
    settings = settings or WarningSettings()
    app = create_service_app(
        settings=settings,
        title="守望 · 预警核实服务 (warning)",
        outbox=outbox,
        inbox=inbox,
        routers=[
            routes_upload.router,
            routes_batches.router,
            routes_tasks.router,
            routes_county.router,
            routes_stream.router,
        ],
        loops=[deadline_loop, feed_retention_loop],
        consumers=consumer_specs,
        clock=clock,
        on_startup=attach_geography,
        body_limits=body_limits(settings),
    )

    return app


def body_limits(settings: WarningSettings) -> list[Limit]:
    """The size limits of a push and of an uploaded file."""
    push, upload = routes_batches.router.prefix, f"{routes_upload.router.prefix}/upload"
    return [
        Limit(push, settings.max_push_bytes, "推送内容", "请分批或使用文件上传"),
        Limit(upload, settings.max_upload_bytes, "上传文件", "请拆分后上传"),
    ]
