"""Token buckets of the public endpoint, one row per principal, spent in one statement.

A filing spends its caller's bucket and, for a resident, their address's: both UPSERTs on primary
keys in one statement sent on its own (autocommit), each bucket's only if the one before it had a
token. The row lock of a shared bucket (an address) is held only while Postgres runs that one
statement, never across a round trip to a busy Python process.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shouwang.intake.adapters.tables import rate_buckets
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Bucket:
    principal: str
    burst: int
    per_second: float


def _spend(i: int) -> str:
    """The UPSERT spending bucket i's token (only after bucket i-1 had one)."""
    available = (
        f"LEAST(CAST(:burst{i} AS float8), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM "
        f"(CAST(:now AS timestamptz) - b.updated_at))) * CAST(:rate{i} AS float8))"
    )
    after = f" WHERE EXISTS (SELECT 1 FROM b{i - 1})" if i else ""
    return f"""b{i} AS (
INSERT INTO intake.rate_buckets AS b (principal, tokens, updated_at)
SELECT :principal{i}, CAST(:burst{i} AS float8) - 1, CAST(:now AS timestamptz){after}
ON CONFLICT (principal) DO UPDATE
SET tokens = {available} - 1, updated_at = GREATEST(b.updated_at, CAST(:now AS timestamptz))
WHERE {available} >= 1
RETURNING 1)"""


def _statement(count: int) -> Any:
    # NOTE: set_config(..., true) makes the spend's own commit skip the WAL flush wait: a bucket
    # update lost in a crash only refunds a token
    spent = ", ".join(f"(SELECT count(*) FROM b{i})" for i in range(count))
    return text(
        f"WITH {', '.join(_spend(i) for i in range(count))} "
        f"SELECT ARRAY[{spent}], set_config('synchronous_commit', 'off', true)"
    )


_STATEMENTS = {count: _statement(count) for count in (1, 2)}


async def take(conn: AsyncConnection, buckets: list[Bucket], *, now: datetime) -> int | None:
    """Spend one token of each bucket in order; the index of the first without one, else None."""
    params: dict[str, Any] = {"now": now}
    for i, bucket in enumerate(buckets):
        params |= {
            f"principal{i}": bucket.principal,
            f"burst{i}": bucket.burst,
            f"rate{i}": bucket.per_second,
        }
    stmt = _STATEMENTS[len(buckets)] if len(buckets) in _STATEMENTS else _statement(len(buckets))
    spent = (await conn.execute(stmt, params)).scalar_one()
    return next((i for i, took in enumerate(spent) if not took), None)


async def level(conn: AsyncConnection, bucket: str) -> Any:
    """The bucket's tokens and when they were last counted."""
    stmt = select(rate_buckets).where(rate_buckets.c.principal == bucket)
    return (await conn.execute(stmt)).mappings().one()
