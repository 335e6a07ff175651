"""Alembic environment of the intake service (schema `intake`)."""

from shouwang.common.migrate import run_env
from shouwang.intake.adapters.tables import metadata

run_env(metadata)
