"""The `shouwang.services` entry point: how serve, migrate, run and keys find this service."""

from shouwang.common.plugins import ServicePlugin

SERVICE = ServicePlugin(
    name="policy",
    port=8006,
    app_factory="shouwang.policy.main:create_app",
    migrations="shouwang.policy:migrations",
    outbox="shouwang.policy.adapters.tables:outbox",
)
