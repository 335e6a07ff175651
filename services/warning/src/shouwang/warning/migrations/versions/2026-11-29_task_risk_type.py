"""the risk type a village reports with risk_confirmed (carried on task.confirmed)

Revision ID: 2f8b6e0c4a91
Revises: 9d4f6b2a8c17
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2f8b6e0c4a91"
down_revision: str | None = "9d4f6b2a8c17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "warning"


def upgrade() -> None:
    op.add_column("tasks", sa.Column("risk_type", sa.Text(), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("tasks", "risk_type", schema=SCHEMA)
