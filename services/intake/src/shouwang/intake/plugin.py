"""The `shouwang.services` entry point: how serve, migrate, run and keys find this service."""

from shouwang.common.plugins import ServicePlugin

SERVICE = ServicePlugin(
    name="intake",
    port=8001,
    app_factory="shouwang.intake.main:create_app",
    migrations="shouwang.intake:migrations",
    outbox="shouwang.intake.adapters.tables:outbox",
    encrypted_columns="shouwang.intake.adapters.encrypted:ENCRYPTED_COLUMNS",
)
