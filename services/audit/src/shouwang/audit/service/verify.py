"""Verify the hash chain in the database, in parallel ranges of one consistent snapshot.

Every link is recomputed in Postgres (sha256 built in): each row's prev_hash must be the hash of
the row before it and its hash must cover prev_hash + canonical text, and every indexed column
must still say what the hashed canonical text says. The positions are cut into ranges verified
on separate connections that share one exported snapshot, so the ranges see the same log and
appends running meanwhile cannot look like a break; the first broken row of all ranges is named.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from shouwang.audit.adapters.tables import GENESIS_HASH, chain_head
from shouwang.audit.service.chain import ACTOR_FIELDS
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_ACTOR = "coalesce(" + ", ".join(f"nullif(doc #>> '{{data,{f}}}', '')" for f in ACTOR_FIELDS) + ")"

# NOTE: the canonical text is parsed once per row (the inner SELECT), not once per check
_FIRST_BROKEN_IN_RANGE = text(f"""
SELECT position, event_id FROM (
    SELECT r.*, lag(hash) OVER (ORDER BY position) AS expected_prev
    FROM (SELECT *, canonical::jsonb AS doc FROM audit.audit_log
          WHERE position BETWEEN :lo AND :hi) AS r
) AS link
WHERE prev_hash IS DISTINCT FROM coalesce(expected_prev, :before)
   OR hash IS DISTINCT FROM encode(sha256(convert_to(prev_hash || canonical, 'UTF8')), 'hex')
   OR event_id IS DISTINCT FROM (doc ->> 'id')
   OR type IS DISTINCT FROM (doc ->> 'type')
   OR source IS DISTINCT FROM (doc ->> 'source')
   OR subject IS DISTINCT FROM (doc ->> 'subject')
   OR topic IS DISTINCT FROM (doc ->> 'topic')
   OR time IS DISTINCT FROM (doc ->> 'time')::timestamptz
   OR county_code IS DISTINCT FROM (doc #>> '{{data,county_code}}')
   OR township_code IS DISTINCT FROM (doc #>> '{{data,township_code}}')
   OR person_ref IS DISTINCT FROM (doc #>> '{{data,person_ref}}')
   OR actor IS DISTINCT FROM {_ACTOR}
ORDER BY position
LIMIT 1
""")
_HASH_BEFORE = text(
    "SELECT hash FROM audit.audit_log WHERE position < :lo ORDER BY position DESC LIMIT 1"
)
_BOUNDS = text("SELECT count(*), min(position), max(position) FROM audit.audit_log")
_TAIL = text("SELECT position, event_id, hash FROM audit.audit_log ORDER BY position DESC LIMIT 1")


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    first_broken: dict[str, Any] | None = None


async def verify_chain(engine: AsyncEngine, *, workers: int = 4) -> Verification:
    """Recompute the whole chain; name the first broken link (tampered, inserted or removed)."""
    async with _snapshot(engine) as (conn, snapshot):
        count, low, high = (await conn.execute(_BOUNDS)).one()
        ranges = _split(low, high, workers) if count else []
        found = await asyncio.gather(*(_first_broken(engine, snapshot, r) for r in ranges))
        broken = [row for row in found if row is not None]
        if broken:
            first = min(broken, key=lambda row: row["position"])
            return Verification(False, count, first)
        return await _check_head(conn, count)


def _split(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    """Cut [low, high] into at most `parts` contiguous ranges."""
    size = max(1, -(-(high - low + 1) // parts))
    return [(lo, min(lo + size - 1, high)) for lo in range(low, high + 1, size)]


@asynccontextmanager
async def _snapshot(engine: AsyncEngine) -> AsyncIterator[tuple[AsyncConnection, str]]:
    """A REPEATABLE READ transaction whose snapshot other connections can join."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            snapshot = (await conn.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
            yield conn, snapshot


async def _first_broken(
    engine: AsyncEngine, snapshot: str, bounds: tuple[int, int]
) -> dict[str, Any] | None:
    lo, hi = bounds
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            await conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            before = (await conn.execute(_HASH_BEFORE, {"lo": lo})).scalar() or GENESIS_HASH
            params = {"lo": lo, "hi": hi, "before": before}
            row = (await conn.execute(_FIRST_BROKEN_IN_RANGE, params)).first()
    return {"position": row.position, "event_id": row.event_id} if row else None


async def _check_head(conn: AsyncConnection, count: int) -> Verification:
    """The head must point at the last row: rows removed from the end break it."""
    head = (await conn.execute(select(chain_head))).mappings().one()
    tail = (await conn.execute(_TAIL)).first()
    tail_hash = tail.hash if tail else GENESIS_HASH
    if head["hash"] != tail_hash or head["events"] != count:
        position = tail.position if tail else 0
        event_id = tail.event_id if tail else None
        return Verification(False, count, {"position": position, "event_id": event_id})
    return Verification(True, count)
