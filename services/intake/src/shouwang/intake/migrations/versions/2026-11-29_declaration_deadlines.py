"""declaration deadlines and the policy projection

Revision ID: 8b2d6e4f1a73
Revises: 5f3c2a9d8e41
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8b2d6e4f1a73"
down_revision: str | None = "5f3c2a9d8e41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intake"
ACCEPT_PENDING_SQL = "accept_by IS NOT NULL AND accepted_at IS NULL AND accept_overdue_at IS NULL"
VISIT_PENDING_SQL = "visit_by IS NOT NULL AND visited_at IS NULL AND visit_overdue_at IS NULL"
_DEADLINE_COLUMNS = (
    ("accept_by", sa.Date()),
    ("visit_by", sa.Date()),
    ("accepted_at", sa.DateTime(timezone=True)),
    ("visited_at", sa.DateTime(timezone=True)),
    ("accept_overdue_at", sa.DateTime(timezone=True)),
    ("visit_overdue_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    for name, type_ in _DEADLINE_COLUMNS:
        op.add_column("declarations", sa.Column(name, type_, nullable=True), schema=SCHEMA)
    for stage, where in (("accept", ACCEPT_PENDING_SQL), ("visit", VISIT_PENDING_SQL)):
        op.create_index(
            f"ix_declarations_{stage}_pending",
            "declarations",
            [f"{stage}_by"],
            unique=False,
            schema=SCHEMA,
            postgresql_where=sa.text(where),
        )
    _create_policy_tables()


def _create_policy_tables() -> None:
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
        op.f("ix_intake_policy_versions_region_code"),
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


def downgrade() -> None:
    op.drop_table("policy_calendars", schema=SCHEMA)
    op.drop_index(
        op.f("ix_intake_policy_versions_region_code"), table_name="policy_versions", schema=SCHEMA
    )
    op.drop_table("policy_versions", schema=SCHEMA)
    for stage in ("visit", "accept"):
        op.drop_index(f"ix_declarations_{stage}_pending", table_name="declarations", schema=SCHEMA)
    for name, _ in reversed(_DEADLINE_COLUMNS):
        op.drop_column("declarations", name, schema=SCHEMA)
