"""policy projection and below-threshold items

Warning projects `policy.settings` (policy_versions, policy_calendars: the shapes of
shouwang.common.policy.projection) and reads each county's rules from it. Items under the county's
indicator threshold are filed in `below_threshold` (no task) and counted on their batch.

Revision ID: 9d4f6b2a8c17
Revises: e3a91c5d7b20
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9d4f6b2a8c17"
down_revision: str | None = "e3a91c5d7b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "warning"


def upgrade() -> None:
    _policy_tables()
    op.add_column(
        "batches",
        sa.Column("below_threshold", sa.Integer(), server_default="0", nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "below_threshold",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sa.Text(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("minimums", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("person_ref", sa.Text(), nullable=False),
        sa.Column("id_masked", sa.Text(), nullable=False),
        sa.Column("name_masked", sa.Text(), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_below_threshold")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_below_threshold_county_period",
        "below_threshold",
        ["county_code", "period", "created_at", "id"],
        schema=SCHEMA,
    )


def _policy_tables() -> None:
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
        op.f("ix_warning_policy_versions_region_code"),
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
    op.drop_index("ix_below_threshold_county_period", "below_threshold", schema=SCHEMA)
    op.drop_table("below_threshold", schema=SCHEMA)
    op.drop_column("batches", "below_threshold", schema=SCHEMA)
    op.drop_table("policy_calendars", schema=SCHEMA)
    op.drop_index(op.f("ix_warning_policy_versions_region_code"), "policy_versions", schema=SCHEMA)
    op.drop_table("policy_versions", schema=SCHEMA)
