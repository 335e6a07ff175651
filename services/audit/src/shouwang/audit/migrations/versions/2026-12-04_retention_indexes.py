"""retention indexes: outbox.published_at and inbox (consumer, processed_at) for the purge

Revision ID: e1dc327385ac
Revises: 3c8e5a1f9b46
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

from shouwang.common.db.migrations import create_retention_indexes, drop_retention_indexes

revision: str = "e1dc327385ac"
down_revision: str | None = "3c8e5a1f9b46"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "audit"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
