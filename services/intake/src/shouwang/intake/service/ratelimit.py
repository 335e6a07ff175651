"""Token buckets for the public endpoint, kept in Postgres: per caller (role + sub) and, for
residents, per client address (a resident's tokens are cheap to come by; an address is not).

Postgres rather than in-process: the service runs as several replicas behind one ingress, and a
bucket per process would multiply the limit by the replica count and reset on every restart. One
UPSERT on a primary key (row-locked, so concurrent requests of one principal serialise) is cheap
next to the declaration's own insert.
"""

import math
from datetime import datetime

from shouwang.common.failures import RateLimited
from shouwang.intake.adapters.tables import rate_buckets
from shouwang.intake.config import RateLimit
from shouwang.intake.domain.declaration import filer_key
from shouwang.intake.runtime import IntakeRuntime
from sqlalchemy import select, text

_AVAILABLE = (
    "LEAST(CAST(:burst AS float8), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM "
    "(CAST(:now AS timestamptz) - b.updated_at))) * CAST(:rate AS float8))"
)
_TAKE = text(f"""
INSERT INTO intake.rate_buckets AS b (principal, tokens, updated_at)
VALUES (:principal, CAST(:burst AS float8) - 1, CAST(:now AS timestamptz))
ON CONFLICT (principal) DO UPDATE
SET tokens = {_AVAILABLE} - 1, updated_at = GREATEST(b.updated_at, CAST(:now AS timestamptz))
WHERE {_AVAILABLE} >= 1
RETURNING tokens
""")

_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit = off")


def retry_after_seconds(
    tokens: float, updated_at: datetime, now: datetime, limit: RateLimit
) -> int:
    """Whole seconds until one token is available again (at least 1)."""
    rate = limit.per_minute / 60.0
    elapsed = max(0.0, (now - updated_at).total_seconds())
    available = min(float(limit.burst), tokens + elapsed * rate)
    return max(1, math.ceil((1.0 - available) / rate - 1e-9)) if rate > 0 else 3600


async def check_limits(runtime: IntakeRuntime, *, role: str, sub: str, host: str) -> None:
    """Spend the caller's token and, for residents, one of their client address's."""
    settings = runtime.settings
    await take_token(
        runtime,
        bucket=filer_key(role, sub),
        limit=settings.rate_for(role),
        message="申报过于频繁，请 {wait} 秒后再试",
    )
    if role == "resident":
        # NOTE: one address is many residents behind a carrier NAT: its own, wider bucket
        await take_token(
            runtime,
            bucket=f"address:{host}",
            limit=settings.resident_address_rate,
            message="当前网络地址申报过于频繁，请 {wait} 秒后再试",
        )


async def take_token(
    runtime: IntakeRuntime, *, bucket: str, limit: RateLimit, message: str
) -> None:
    """Spend one token of a bucket, or answer 429 (message with {wait}) and Retry-After."""
    now = runtime.clock.now()
    params = {
        "principal": bucket,
        "burst": limit.burst,
        "now": now,
        "rate": limit.per_minute / 60.0,
    }
    async with runtime.sessionmaker() as session, session.begin():
        # a bucket update lost in a crash only refunds a token: not worth waiting for a WAL flush
        await session.execute(_NO_FLUSH_WAIT)
        taken = (await session.execute(_TAKE, params)).first()
        if taken is not None:
            return
        row = (
            (await session.execute(select(rate_buckets).where(rate_buckets.c.principal == bucket)))
            .mappings()
            .one()
        )
    wait = retry_after_seconds(row["tokens"], row["updated_at"], now, limit)
    raise RateLimited(
        message.format(wait=wait),
        code="rate_limited",
        details={"retry_after_seconds": wait},
        headers={"Retry-After": str(wait)},
    )
