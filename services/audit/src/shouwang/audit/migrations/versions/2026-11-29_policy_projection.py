"""policy projection: the county policy (amber ratio of the deadline colours) from policy.settings

The shapes of shouwang.common.policy.projection, as every service that projects policy keeps them.

Revision ID: 3c8e5a1f9b46
Revises: f47b2d8c1e93
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3c8e5a1f9b46"
down_revision: str | None = "f47b2d8c1e93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "audit"


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("settings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "version", name=op.f("pk_policy_versions")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_audit_policy_versions_region_code"),
        "policy_versions",
        ["region_code", "effective_from"],
        schema=SCHEMA,
    )
    op.create_table(
        "policy_calendars",
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("holidays", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("workdays", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "year", "version", name=op.f("pk_policy_calendars")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("policy_calendars", schema=SCHEMA)
    op.drop_index(op.f("ix_audit_policy_versions_region_code"), "policy_versions", schema=SCHEMA)
    op.drop_table("policy_versions", schema=SCHEMA)
