"""retention indexes: outbox.published_at and inbox (consumer, processed_at) for the purge

Revision ID: 7b91453fe553
Revises: 8b2d6e4f1a73
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

from shouwang.common.db.migrations import create_retention_indexes, drop_retention_indexes

revision: str = "7b91453fe553"
down_revision: str | None = "8b2d6e4f1a73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intake"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
