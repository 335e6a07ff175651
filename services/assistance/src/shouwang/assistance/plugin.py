"""The `shouwang.services` entry point: how serve, migrate, run and keys find this service."""

from shouwang.common.plugins import ServicePlugin

SERVICE = ServicePlugin(
    name="assistance",
    port=8003,
    app_factory="shouwang.assistance.main:create_app",
    migrations="shouwang.assistance:migrations",
    outbox="shouwang.assistance.adapters.tables:outbox",
    encrypted_columns="shouwang.assistance.adapters.encrypted:ENCRYPTED_COLUMNS",
)
