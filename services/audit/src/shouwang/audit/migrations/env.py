"""Alembic environment of the audit service (schema `audit`)."""

from shouwang.audit.adapters.tables import metadata
from shouwang.common.migrate import run_env

run_env(metadata)
