"""The `shouwang.services` entry point: how serve, migrate, run and keys find this service."""

from shouwang.common.plugins import ServicePlugin

SERVICE = ServicePlugin(
    name="audit",
    port=8004,
    app_factory="shouwang.audit.main:create_app",
    migrations="shouwang.audit:migrations",
    outbox="shouwang.audit.adapters.tables:outbox",
    encrypted_columns="shouwang.audit.adapters.encrypted:ENCRYPTED_COLUMNS",
)
