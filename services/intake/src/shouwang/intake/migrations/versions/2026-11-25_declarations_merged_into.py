"""declarations merged into an open one

Revision ID: 5f3c2a9d8e41
Revises: ca4949106d5d
Create Date: 2026-11-25 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f3c2a9d8e41"
down_revision: str | None = "ca4949106d5d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "declarations", sa.Column("merged_into", sa.Text(), nullable=True), schema="intake"
    )
    op.create_index(
        "ix_declarations_merged_into",
        "declarations",
        ["merged_into"],
        unique=False,
        schema="intake",
    )


def downgrade() -> None:
    op.drop_index("ix_declarations_merged_into", table_name="declarations", schema="intake")
    op.drop_column("declarations", "merged_into", schema="intake")
