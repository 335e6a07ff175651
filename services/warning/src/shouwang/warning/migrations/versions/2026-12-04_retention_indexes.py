"""retention indexes: outbox.published_at and inbox (consumer, processed_at) for the purge

Revision ID: bc3d416e90c3
Revises: 2f8b6e0c4a91
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

from shouwang.common.db.migrations import create_retention_indexes, drop_retention_indexes

revision: str = "bc3d416e90c3"
down_revision: str | None = "2f8b6e0c4a91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "warning"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
