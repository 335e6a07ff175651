"""retention indexes: outbox.published_at and inbox (consumer, processed_at) for the purge

Revision ID: f84e59f016e2
Revises: 57c15a5c1764
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

from shouwang.common.db.migrations import create_retention_indexes, drop_retention_indexes

revision: str = "f84e59f016e2"
down_revision: str | None = "57c15a5c1764"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "assistance"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
