"""batches: arrival sequence, so "latest first" is exact even for equal timestamps

Revision ID: b7d2c1e0a913
Revises: 4ba3e7e9ba77
Create Date: 2026-11-23 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2c1e0a913"
down_revision: str | None = "4ba3e7e9ba77"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "batches",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        schema="warning",
    )


def downgrade() -> None:
    op.drop_column("batches", "seq", schema="warning")
