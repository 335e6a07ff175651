"""Alembic environment of the warning service (schema `warning`)."""

from shouwang.common.migrate import run_env
from shouwang.warning.adapters.tables import metadata

run_env(metadata)
