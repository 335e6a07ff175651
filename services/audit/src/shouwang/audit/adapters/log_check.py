"""Checking the audit log's chain in SQL: every link and indexed column against the hashed text.

Every link is recomputed in Postgres (sha256 built in): each row's prev_hash must be the hash of
the row before it and its hash must cover prev_hash + canonical text, and every indexed column
must still say what the hashed canonical text says.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from shouwang.audit.adapters.log_store import ACTOR_FIELDS
from shouwang.audit.adapters.tables import GENESIS_HASH, chain_head
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


async def bounds(conn: AsyncConnection) -> tuple[int, int | None, int | None]:
    """How many entries the log holds, and its first and last positions."""
    count, low, high = (await conn.execute(_BOUNDS)).one()
    return int(count), low, high


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[tuple[AsyncConnection, str]]:
    """A REPEATABLE READ transaction whose snapshot other connections can join."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            exported = (await conn.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
            yield conn, exported


async def first_broken(
    engine: AsyncEngine, snapshot: str, lo: int, hi: int
) -> dict[str, Any] | None:
    """The first broken link among positions lo..hi, as seen by an exported snapshot."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            await conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            before = (await conn.execute(_HASH_BEFORE, {"lo": lo})).scalar() or GENESIS_HASH
            params = {"lo": lo, "hi": hi, "before": before}
            row = (await conn.execute(_FIRST_BROKEN_IN_RANGE, params)).first()
    return {"position": row.position, "event_id": row.event_id} if row else None


async def head_mismatch(conn: AsyncConnection, count: int) -> dict[str, Any] | None:
    """The last entry when the head does not point at it (entries removed from the end)."""
    head = (await conn.execute(select(chain_head))).mappings().one()
    tail = (await conn.execute(_TAIL)).first()
    tail_hash = tail.hash if tail else GENESIS_HASH
    if head["hash"] == tail_hash and head["events"] == count:
        return None
    return {"position": tail.position if tail else 0, "event_id": tail.event_id if tail else None}
