"""Retention: published outbox rows and old inbox rows are purged, so storage levels off.

Every service runs `retention_loop(service)`: a periodic round under a lease, so one replica
purges at a time. Outbox rows stay `outbox_retention_days` after publishing (a lost topic can be
replayed from them); inbox rows stay as long as their events can be redelivered (db/inbox.py).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from shouwang.common.db.inbox import (
    INBOX_MARGIN_DAYS,
    inbox_retention_days,
    purge_inbox,
    purge_orphan_inbox,
)
from shouwang.common.events.topics import TOPICS
from shouwang.common.periodic import Loop, periodic


async def purge_outbox(runtime: Any) -> int:
    """Drop published outbox rows older than the retention; return how many."""
    purged: int = await runtime.relay.purge()
    return purged


async def purge_inboxes(runtime: Any) -> int:
    """Drop each consumer's inbox rows older than its retention; return how many."""
    # NOTE: wall time, not runtime.clock: processed_at is the database's now()
    now, purged = datetime.now(UTC), 0
    async with runtime.engine.begin() as conn:
        for consumer in runtime.consumers:
            days = consumer.inbox_retention_days or inbox_retention_days(consumer.topics)
            cutoff = now - timedelta(days=days)
            purged += await purge_inbox(
                conn, table=runtime.inbox, consumer=consumer.name, older_than=cutoff
            )
        longest = max(topic.retention_days for topic in TOPICS) + INBOX_MARGIN_DAYS
        purged += await purge_orphan_inbox(
            conn,
            table=runtime.inbox,
            known=[c.name for c in runtime.consumers],
            older_than=now - timedelta(days=longest),
        )
    return purged


def retention_loop(service: str) -> Loop:
    """The service's purge round, once per `retention_sweep_seconds` across its replicas."""
    return periodic(
        f"{service}.retention",
        every=lambda settings: settings.retention_sweep_seconds,
        jobs=[purge_outbox, purge_inboxes],
    )
