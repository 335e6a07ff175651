"""Idempotent inbox: the handler's effect and the event id commit in one transaction."""

from sqlalchemy import Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


def inbox_table(metadata: MetaData) -> Table:
    """Declare the inbox table in a service's metadata."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Text, primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
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
