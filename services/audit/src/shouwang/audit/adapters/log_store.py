"""The audit log and its chain head: appending under the chain lock, reading by filter.

The log is append-only (triggers refuse UPDATE/DELETE); only the one-row chain head changes.
"""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shouwang.audit.adapters.tables import audit_log, chain_head
from shouwang.common.db.streaming import stream_mappings
from sqlalchemy import Row, RowMapping, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# the payload fields that name the acting principal, first found wins (the `actor` column)
ACTOR_FIELDS = (
    "actor",
    "assigned_by",
    "reported_by",
    "confirmed_by",
    "rerouted_by",
    "submitted_by",
)


@dataclass(frozen=True)
class EventFilter:
    subject: str | None = None
    type: str | None = None
    actor: str | None = None
    person_ref: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    region: str | None = None  # county/township prefix the reader is limited to
    after: int = 0  # keyset cursor: positions strictly after this one


async def lock_head(session: AsyncSession) -> str:
    """Take the chain lock (the head row) for the transaction; return the head's hash."""
    stmt = select(chain_head.c.hash).where(chain_head.c.id == 1).with_for_update()
    head: str = (await session.execute(stmt)).scalar_one()
    return head


async def advance_head(session: AsyncSession, *, position: int, hash: str, added: int) -> None:
    """Point the head at the newest entry, `added` entries on."""
    await session.execute(
        update(chain_head)
        .where(chain_head.c.id == 1)
        .values(position=position, hash=hash, events=chain_head.c.events + added)
    )


async def known_event_ids(session: AsyncSession, event_ids: Sequence[str]) -> set[str]:
    """Those of the event ids already in the log."""
    stmt = select(audit_log.c.event_id).where(audit_log.c.event_id.in_(event_ids))
    return set((await session.execute(stmt)).scalars())


async def append_entry(session: AsyncSession, entry: dict[str, Any]) -> int | None:
    """Insert one log entry; its position, or None if its event was already logged."""
    stmt = (
        insert(audit_log)
        .values(**entry)
        .on_conflict_do_nothing(index_elements=[audit_log.c.event_id])
        .returning(audit_log.c.position)
    )
    position: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return position


async def append_entries(
    session: AsyncSession, entries: list[dict[str, Any]]
) -> Sequence[Row[Any]]:
    """Insert new log entries at once; their (position, county_code, township_code)."""
    stmt = insert(audit_log).returning(
        audit_log.c.position, audit_log.c.county_code, audit_log.c.township_code
    )
    return (await session.execute(stmt, entries)).all()


def filtered(flt: EventFilter) -> Select[Any]:
    """The SELECT of log rows matching a filter, in position order."""
    stmt = select(audit_log).where(audit_log.c.position > flt.after).order_by(audit_log.c.position)
    for column, value in (
        ("subject", flt.subject),
        ("type", flt.type),
        ("actor", flt.actor),
        ("person_ref", flt.person_ref),
    ):
        if value:
            stmt = stmt.where(audit_log.c[column] == value)
    if flt.since:
        stmt = stmt.where(audit_log.c.time >= flt.since)
    if flt.until:
        stmt = stmt.where(audit_log.c.time < flt.until)
    if flt.region is not None:
        stmt = stmt.where(audit_log.c.county_code.is_not(None), _region_match(flt.region))
    return stmt


async def head_position(conn: AsyncConnection) -> int:
    """The newest position of the log (0 when it is empty)."""
    head = select(func.coalesce(func.max(audit_log.c.position), 0))
    return int((await conn.execute(head)).scalar_one())


async def matching(conn: AsyncConnection, flt: EventFilter, *, limit: int) -> Sequence[RowMapping]:
    """Up to `limit` log rows matching a filter, in position order."""
    found = await conn.execute(filtered(flt).limit(limit))
    rows: Sequence[RowMapping] = found.mappings().all()
    return rows


def stream_filtered(
    conn: AsyncConnection, flt: EventFilter, *, limit: int
) -> AsyncIterator[RowMapping]:
    """The log rows matching a filter (up to `limit`), streamed from a server-side cursor."""
    return stream_mappings(conn, filtered(flt).limit(limit), yield_per=1000)


def _region_match(region: str) -> Any:
    if len(region) <= 6:
        return audit_log.c.county_code.startswith(region, autoescape=True)
    return audit_log.c.township_code.startswith(region[:9], autoescape=True)
