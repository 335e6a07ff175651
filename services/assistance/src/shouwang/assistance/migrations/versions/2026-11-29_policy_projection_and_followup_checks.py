"""policy projection, follow-up checks, missed visits

Revision ID: 5c1e9a7d3b20
Revises: 0b96b7f2a806
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5c1e9a7d3b20"
down_revision: str | None = "0b96b7f2a806"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "assistance"


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
        op.f("ix_assistance_policy_versions_region_code"),
        "policy_versions",
        ["region_code", "effective_from"],
        unique=False,
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
    op.add_column(
        "followups",
        sa.Column(
            "checks",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("followups", "checks", schema=SCHEMA)
    op.drop_table("policy_calendars", schema=SCHEMA)
    op.drop_index(
        op.f("ix_assistance_policy_versions_region_code"),
        table_name="policy_versions",
        schema=SCHEMA,
    )
    op.drop_table("policy_versions", schema=SCHEMA)
