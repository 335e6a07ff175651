"""Idempotent inbox: the handler's effect and the event id commit in one transaction."""

from collections.abc import Iterable
from datetime import datetime

from shouwang.common.events.topics import TOPICS
from sqlalchemy import Column, DateTime, Index, MetaData, Table, Text, delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# NOTE: an inbox row is what makes a redelivery harmless, so it must outlive every copy of its
# event a consumer can still be handed: the record on its topic (kept the topic's retention from
# when it was appended, which is never after the row was written) plus Kafka's slack in deleting
# it (whole segments only, rolled every 7 days by default), and a margin for clocks. Outbox
# replays resend only rows younger than outbox_retention_days, far inside that window.
INBOX_MARGIN_DAYS = 14
_TOPIC_RETENTION = {topic.name: topic.retention_days for topic in TOPICS}
_LONGEST_RETENTION = max(_TOPIC_RETENTION.values())


# the retention purge's rows: one consumer's, oldest first (db/migrations.py builds it)
INBOX_PROCESSED_INDEX = "ix_inbox_consumer_processed_at"


def inbox_table(metadata: MetaData) -> Table:
    """Declare the inbox table in a service's metadata."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Text, primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index(INBOX_PROCESSED_INDEX, "consumer", "processed_at"),
    )


async def claim_events(
    session: AsyncSession, *, table: Table, consumer: str, event_ids: list[str]
) -> set[str]:
    """Record many events as handled at once; return the ids not seen before."""
    if not event_ids:
        return set()
    stmt = (
        insert(table)
        .values([{"consumer": consumer, "event_id": event_id} for event_id in event_ids])
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return {row.event_id for row in await session.execute(stmt)}


async def claim_event(session: AsyncSession, *, table: Table, consumer: str, event_id: str) -> bool:
    """Record the event as handled; False if it already was (a redelivery)."""
    stmt = (
        insert(table)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return (await session.execute(stmt)).first() is not None


def inbox_retention_days(topics: Iterable[str]) -> int:
    """Days a consumer's inbox rows are kept: its longest topic retention plus the margin.

    A topic not in the catalogue (a DLQ, a test topic) counts as the longest catalogued one.
    """
    days = [_TOPIC_RETENTION.get(topic, _LONGEST_RETENTION) for topic in topics]
    return max(days, default=_LONGEST_RETENTION) + INBOX_MARGIN_DAYS


async def purge_inbox(
    conn: AsyncConnection, *, table: Table, consumer: str, older_than: datetime
) -> int:
    """Delete one consumer's inbox rows processed before the cut-off; return how many."""
    result = await conn.execute(
        delete(table).where(table.c.consumer == consumer, table.c.processed_at < older_than)
    )
    return int(result.rowcount or 0)


async def purge_orphan_inbox(
    conn: AsyncConnection, *, table: Table, known: Iterable[str], older_than: datetime
) -> int:
    """Delete old rows of consumers the service no longer runs (a renamed group)."""
    result = await conn.execute(
        delete(table).where(table.c.consumer.not_in(list(known)), table.c.processed_at < older_than)
    )
    return int(result.rowcount or 0)
