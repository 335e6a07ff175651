"""Transactional outbox: events commit with the state change, a relay publishes them."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from shouwang.common.db.bulk import JsonText, copy_rows
from shouwang.common.events.envelope import EventEnvelope
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    Select,
    Table,
    Text,
    Uuid,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import Update

COPY_THRESHOLD = 200  # beyond this many rows COPY beats a multi-row INSERT
# the retention purge's rows: published ones, oldest first (db/migrations.py builds it)
OUTBOX_PUBLISHED_INDEX = "ix_outbox_published_at"
OUTBOX_PUBLISHED_SQL = "published_at IS NOT NULL"


def outbox_table(metadata: MetaData) -> Table:
    """Declare the outbox table in a service's metadata."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("type", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("subject", Text, nullable=False),
        Column("time", DateTime(timezone=True), nullable=False),
        Column("correlation_id", Text),
        Column("payload", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        Index(OUTBOX_PUBLISHED_INDEX, "published_at", postgresql_where=text(OUTBOX_PUBLISHED_SQL)),
    )


def outbox_rows(
    envelopes: Sequence[EventEnvelope], *, encoded: bool = False
) -> list[dict[str, object]]:
    """The insert rows of these envelopes (`encoded`: payloads as JSON text, for COPY)."""
    return [
        {
            "event_id": env.id,
            "topic": env.topic,
            "key": env.key,
            "type": env.type,
            "source": env.source,
            "subject": env.subject,
            "time": env.time,
            "correlation_id": env.correlation_id,
            "payload": JsonText.of(env.data) if encoded else env.data.model_dump(mode="json"),
        }
        for env in envelopes
    ]


async def add_events(
    session: AsyncSession | AsyncConnection, *, table: Table, envelopes: Sequence[EventEnvelope]
) -> None:
    """Stage events in the caller's transaction."""
    if len(envelopes) > COPY_THRESHOLD:
        await copy_rows(session, table, outbox_rows(envelopes, encoded=True))
    elif envelopes:
        await session.execute(insert(table), outbox_rows(envelopes))


async def claim_unpublished(
    conn: AsyncConnection, *, table: Table, limit: int
) -> list[dict[str, object]]:
    """Lock the next batch of unpublished rows in id order; `payload` comes as its JSON text.

    NOTE: no SKIP LOCKED: rows still locked by a relay that just lost its lease are waited for,
    never jumped over, so a takeover cannot publish later rows before earlier ones.
    NOTE: the payload is read as Postgres' own text of the JSONB (it was validated when staged):
    decoding it into Python only to encode it again for the topic was most of the relay's cost.
    """
    result = await conn.execute(_claim_statement(table), {"limit": limit})
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]  # (RowMapping -> dict: slow)


async def mark_published(
    conn: AsyncConnection, *, table: Table, ids: list[int], at: datetime
) -> None:
    """Mark rows as sent (one array parameter, not a list of thousands of binds)."""
    await conn.execute(_mark_statement(table), {"ids": ids, "at": at})


# NOTE: each built once per outbox: building a statement anew on every batch (its ARRAY type,
# its cache key) cost more than running it when the relay moves a few rows at a time
@cache
def _claim_statement(table: Table) -> Select[Any]:
    columns = [c for c in table.c if c.name != "payload"]
    return (
        select(*columns, cast(table.c.payload, Text).label("payload"))
        .where(table.c.published_at.is_(None))
        .order_by(table.c.id)
        .limit(bindparam("limit"))
        .with_for_update()
    )


@cache
def _mark_statement(table: Table) -> Update:
    # NOTE: joined to unnest(ids), not `id = ANY(ids)`: when Postgres' plan for the prepared
    # statement scanned the table it tested every row against the whole array, one by one
    # (perf: 89 % in ExecEvalScalarArrayOp + int8eq, 2 s to mark 10,000 rows)
    ids = func.unnest(bindparam("ids", type_=ARRAY(BigInteger))).table_valued("id").render_derived()
    return update(table).where(table.c.id == ids.c.id).values(published_at=bindparam("at"))


async def purge_published(conn: AsyncConnection, *, table: Table, older_than: datetime) -> int:
    """Delete rows published before the retention cut-off."""
    result = await conn.execute(
        delete(table).where(table.c.published_at.is_not(None), table.c.published_at < older_than)
    )
    return int(result.rowcount or 0)


async def mark_for_replay(conn: AsyncConnection, *, table: Table, since: datetime) -> int:
    """Queue retained rows published since a moment to be sent again (topic recovery)."""
    result = await conn.execute(
        update(table)
        .where(table.c.published_at.is_not(None), table.c.time >= since)
        .values(published_at=None)
    )
    return int(result.rowcount or 0)


def retention_cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
