"""Alembic environment of the assistance service (schema `assistance`)."""

from shouwang.assistance.adapters.tables import metadata
from shouwang.common.migrate import run_env

run_env(metadata)
