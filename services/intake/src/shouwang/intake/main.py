"""The intake service app: declarations on four channels → verification loop → status back."""

from fastapi import FastAPI
from shouwang.common.clock import Clock
from shouwang.common.geography_store import attach_geography
from shouwang.common.http.body_limit import Limit
from shouwang.common.service import ConsumerSpec, create_service_app
from shouwang.intake.adapters.tables import inbox, outbox
from shouwang.intake.api import routes
from shouwang.intake.config import IntakeSettings
from shouwang.intake.messaging.consumers import consumer_specs
from shouwang.intake.runtime import IntakeRuntime
from shouwang.intake.service.deadlines import PromiseCache
from shouwang.intake.service.overdue import deadline_loop


def create_app(settings: IntakeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the intake app (uvicorn --factory shouwang.intake.main:create_app)."""
    settings = settings or IntakeSettings()
    promises = PromiseCache(ttl_s=settings.policy_cache_seconds)

    def consumers(runtime: IntakeRuntime) -> list[ConsumerSpec]:
        return consumer_specs(runtime, promises=promises)

    app = create_service_app(
        settings=settings,
        title="守望 · 申报受理服务 (intake)",
        outbox=outbox,
        inbox=inbox,
        routers=[routes.router],
        consumers=consumers,
        loops=[deadline_loop],
        clock=clock,
        on_startup=attach_geography,
        body_limits=[_declaration_limit(settings)],
    )
    app.state.promises = promises
    return app


def _declaration_limit(settings: IntakeSettings) -> Limit:
    return Limit(
        routes.router.prefix, settings.max_body_bytes, hint="附件请只填写文件信息", prefix=True
    )
