"""retention indexes: outbox.published_at and inbox (consumer, processed_at) for the purge

Revision ID: c2a4e6f81b35
Revises: 7b3e2f91c4d6
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

from shouwang.common.db.migrations import create_retention_indexes, drop_retention_indexes

revision: str = "c2a4e6f81b35"
down_revision: str | None = "7b3e2f91c4d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "policy"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
