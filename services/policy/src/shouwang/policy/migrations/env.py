"""Alembic environment of the policy service (schema `policy`)."""

from shouwang.common.migrate import run_env
from shouwang.policy.adapters.tables import metadata

run_env(metadata)
