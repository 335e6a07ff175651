"""Steps every service's Alembic revisions share: called from a revision's upgrade()/downgrade().

The tables they touch are the shared ones each service declares from libs/common (outbox, inbox),
so the DDL is written here once, next to their definitions, instead of once per service.
"""

import sqlalchemy as sa
from alembic import op
from shouwang.common.db.inbox import INBOX_PROCESSED_INDEX
from shouwang.common.db.outbox import OUTBOX_PUBLISHED_INDEX, OUTBOX_PUBLISHED_SQL


def create_retention_indexes(schema: str) -> None:
    """Index what the retention purge (retention.py) filters on, outbox and inbox alike.

    Built CONCURRENTLY, outside the revision's transaction: a busy outbox keeps taking writes
    while its index is built during a rolling upgrade.
    """
    with op.get_context().autocommit_block():
        op.create_index(
            OUTBOX_PUBLISHED_INDEX,
            "outbox",
            ["published_at"],
            schema=schema,
            postgresql_where=sa.text(OUTBOX_PUBLISHED_SQL),
            postgresql_concurrently=True,
        )
        op.create_index(
            INBOX_PROCESSED_INDEX,
            "inbox",
            ["consumer", "processed_at"],
            schema=schema,
            postgresql_concurrently=True,
        )


def drop_retention_indexes(schema: str) -> None:
    """Undo `create_retention_indexes`."""
    with op.get_context().autocommit_block():
        for name, table in ((OUTBOX_PUBLISHED_INDEX, "outbox"), (INBOX_PROCESSED_INDEX, "inbox")):
            op.drop_index(name, table_name=table, schema=schema, postgresql_concurrently=True)
