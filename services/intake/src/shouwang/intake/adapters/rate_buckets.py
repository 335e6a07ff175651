"""Token buckets of the public endpoint, one row per principal, spent by one UPSERT each.

Each bucket is one statement on a primary key, sent on its own (autocommit): the row lock of a
shared bucket (an address) is held only while Postgres runs that one statement, never across a
round trip to a busy Python process.
"""

from datetime import datetime
from typing import Any

from shouwang.intake.adapters.tables import rate_buckets
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

_AVAILABLE = (
    "LEAST(CAST(:burst AS float8), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM "
    "(CAST(:now AS timestamptz) - b.updated_at))) * CAST(:rate AS float8))"
)
# NOTE: set_config(..., true) in RETURNING makes the spend's own commit skip the WAL flush wait:
# a bucket update lost in a crash only refunds a token
_TAKE = text(f"""
INSERT INTO intake.rate_buckets AS b (principal, tokens, updated_at)
VALUES (:principal, CAST(:burst AS float8) - 1, CAST(:now AS timestamptz))
ON CONFLICT (principal) DO UPDATE
SET tokens = {_AVAILABLE} - 1, updated_at = GREATEST(b.updated_at, CAST(:now AS timestamptz))
WHERE {_AVAILABLE} >= 1
RETURNING tokens, set_config('synchronous_commit', 'off', true)
""")


async def take(
    conn: AsyncConnection, *, bucket: str, burst: int, per_second: float, now: datetime
) -> bool:
    """Spend one token of the bucket (refilled at `per_second` up to `burst`); False if none."""
    params = {"principal": bucket, "burst": burst, "now": now, "rate": per_second}
    return (await conn.execute(_TAKE, params)).first() is not None


async def level(conn: AsyncConnection, bucket: str) -> Any:
    """The bucket's tokens and when they were last counted."""
    stmt = select(rate_buckets).where(rate_buckets.c.principal == bucket)
    return (await conn.execute(stmt)).mappings().one()
