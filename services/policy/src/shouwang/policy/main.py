"""The policy service app: the versioned rule values per region and the working-day calendar."""

from fastapi import FastAPI
from shouwang.common.clock import Clock
from shouwang.common.service import create_service_app
from shouwang.policy.adapters.tables import inbox, outbox
from shouwang.policy.api import routes_calendar, routes_policy
from shouwang.policy.config import PolicySettings


def create_app(settings: PolicySettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the policy app (uvicorn --factory shouwang.policy.main:create_app)."""
    return create_service_app(
        settings=settings or PolicySettings(), title="守望 · 政策参数服务 (policy)",
        outbox=outbox, inbox=inbox, routers=[routes_policy.router, routes_calendar.router],
        clock=clock,
    )  # fmt: skip
