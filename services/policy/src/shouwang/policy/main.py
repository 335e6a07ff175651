"""The policy service app: the versioned rule values per region and the working-day calendar."""

from fastapi import FastAPI
from shouwang.common.clock import Clock
from shouwang.common.geography_store import attach_geography
from shouwang.common.service import create_service_app
from shouwang.policy.adapters.tables import inbox, outbox
from shouwang.policy.api import routes_calendar, routes_policy, routes_what_if
from shouwang.policy.config import PolicySettings
from shouwang.policy.messaging.consumers import consumer_specs


def create_app(settings: PolicySettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the policy app (uvicorn --factory shouwang.policy.main:create_app)."""
    return create_service_app(
        settings=settings or PolicySettings(), title="守望 · 政策参数服务 (policy)",
        outbox=outbox, inbox=inbox,
        routers=[routes_policy.router, routes_what_if.router, routes_calendar.router],
        consumers=consumer_specs, clock=clock,
        on_startup=attach_geography,  # township names of the what-if
    )  # fmt: skip
