"""The `shouwang.services` entry point: how serve, migrate, run and keys find this service."""

from shouwang.common.plugins import ServicePlugin

SERVICE = ServicePlugin(
    name="warning",
    port=8002,
    app_factory="shouwang.warning.main:create_app",
    migrations="shouwang.warning:migrations",
    outbox="shouwang.warning.adapters.tables:outbox",
    encrypted_columns="shouwang.warning.adapters.encrypted:ENCRYPTED_COLUMNS",
)
