"""what-if facts

The facts policy's what-if judges, projected from events: households' recorded months
(`assistance.followup.recorded`) and the latest filed period's thresholded items per county and
department (`warning.items.indicators`).

Revision ID: 7b3e2f91c4d6
Revises: 5e1c0a9d7b21
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7b3e2f91c4d6"
down_revision: str | None = "5e1c0a9d7b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "policy"


def upgrade() -> None:
    op.create_table(
        "followup_facts",
        sa.Column("household_id", sa.Text(), nullable=False),
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("county_code", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column("per_person_yuan", sa.Float(), nullable=False),
        sa.Column("household_size", sa.Integer(), nullable=False),
        sa.Column("flags", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("household_id", "month", name=op.f("pk_followup_facts")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_followup_facts_county",
        "followup_facts",
        ["county_code", "household_id", "month"],
        schema=SCHEMA,
    )
    op.create_table(
        "item_facts",
        sa.Column("item_id", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("county_code", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("qualifiers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_facts")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_item_facts_county_department",
        "item_facts",
        ["county_code", "department", "period"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_item_facts_county_indicator", "item_facts", ["county_code", "indicator"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("ix_item_facts_county_indicator", table_name="item_facts", schema=SCHEMA)
    op.drop_index("ix_item_facts_county_department", table_name="item_facts", schema=SCHEMA)
    op.drop_table("item_facts", schema=SCHEMA)
    op.drop_index("ix_followup_facts_county", table_name="followup_facts", schema=SCHEMA)
    op.drop_table("followup_facts", schema=SCHEMA)
