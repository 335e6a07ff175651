"""household cadres, elimination evidence, data-quality sweep, scheduled screening campaigns

Revision ID: 7e2d4c9a1f36
Revises: 5c1e9a7d3b20
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7e2d4c9a1f36"
down_revision: str | None = "5c1e9a7d3b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "assistance"


def _jsonb(name: str, default: str = "'[]'::jsonb") -> sa.Column[object]:
    return sa.Column(
        name, postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text(default),
        nullable=False,
    )  # fmt: skip


def _cadres() -> None:
    op.create_table(
        "household_cadres",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_masked", sa.Text(), nullable=True),
        sa.Column("post", sa.Text(), nullable=True),
        sa.Column("assigned_by", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["assistance.households.id"],
            name=op.f("fk_household_cadres_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_cadres")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_assistance_household_cadres_household_id"),
        "household_cadres",
        ["household_id"],
        schema=SCHEMA,
    )
    op.create_index(
        "uq_household_cadres_current",
        "household_cadres",
        ["household_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.add_column("plans", sa.Column("cadre_id", sa.Uuid(), nullable=True), schema=SCHEMA)


def _quality() -> None:
    op.add_column("eliminations", _jsonb("evidence", "'{}'::jsonb"), schema=SCHEMA)
    op.create_table(
        "data_quality",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=False),
        _jsonb("flags"),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_data_quality")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_data_quality_county_township",
        "data_quality",
        ["county_code", "township_code"],
        schema=SCHEMA,
    )


def _campaigns() -> None:
    op.add_column(
        "campaigns",
        sa.Column("kind", sa.Text(), server_default="manual", nullable=False),
        schema=SCHEMA,
    )
    op.add_column("campaigns", sa.Column("period", sa.Text(), nullable=True), schema=SCHEMA)
    op.create_index(
        "uq_campaigns_scheduled",
        "campaigns",
        ["county_code", "kind", "period"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("period IS NOT NULL"),
    )
    op.create_table(
        "campaign_townships",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["assistance.campaigns.id"],
            name=op.f("fk_campaign_townships_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "township_code", name="pk_campaign_townships"),
        schema=SCHEMA,
    )
    op.alter_column("campaign_problems", "household_id", nullable=True, schema=SCHEMA)
    op.add_column(
        "campaign_problems",
        sa.Column("subject", sa.Text(), server_default="household", nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "campaign_problems", sa.Column("project_name", sa.Text(), nullable=True), schema=SCHEMA
    )


def upgrade() -> None:
    _cadres()
    _quality()
    _campaigns()


def downgrade() -> None:
    op.drop_column("campaign_problems", "project_name", schema=SCHEMA)
    op.drop_column("campaign_problems", "subject", schema=SCHEMA)
    op.execute("DELETE FROM assistance.campaign_problems WHERE household_id IS NULL")
    op.alter_column("campaign_problems", "household_id", nullable=False, schema=SCHEMA)
    op.drop_table("campaign_townships", schema=SCHEMA)
    op.drop_index("uq_campaigns_scheduled", table_name="campaigns", schema=SCHEMA)
    op.drop_column("campaigns", "period", schema=SCHEMA)
    op.drop_column("campaigns", "kind", schema=SCHEMA)
    op.drop_table("data_quality", schema=SCHEMA)
    op.drop_column("eliminations", "evidence", schema=SCHEMA)
    op.drop_column("plans", "cadre_id", schema=SCHEMA)
    op.drop_table("household_cadres", schema=SCHEMA)
