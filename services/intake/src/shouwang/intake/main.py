"""The intake service app: declarations on four channels → verification loop → status back."""

from fastapi import FastAPI
from shouwang.common.clock import Clock
from shouwang.common.geography_store import attach_geography
from shouwang.common.http.body_limit import Limit
from shouwang.common.service import create_service_app
from shouwang.intake.adapters.tables import inbox, outbox
from shouwang.intake.api import routes
from shouwang.intake.config import IntakeSettings
from shouwang.intake.messaging.consumers import consumer_specs


def create_app(settings: IntakeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the intake app (uvicorn --factory shouwang.intake.main:create_app)."""
    settings = settings or IntakeSettings()
    app = create_service_app(
        settings=settings,
        title="守望 · 申报受理服务 (intake)",
        outbox=outbox,
        inbox=inbox,
        routers=[routes.router],
        consumers=consumer_specs,
        clock=clock,
        on_startup=attach_geography,
        body_limits=[_declaration_limit(settings)],
    )
    return app


def _declaration_limit(settings: IntakeSettings) -> Limit:
    return Limit(
        routes.router.prefix, settings.max_body_bytes, hint="附件请只填写文件信息", prefix=True
    )
