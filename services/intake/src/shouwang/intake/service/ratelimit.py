"""Token buckets for the public endpoint, kept in Postgres: per caller (role + sub) and, for
residents, per client address (a resident's tokens are cheap to come by; an address is not).

Postgres rather than in-process: the service runs as several replicas behind one ingress, and a
bucket per process would multiply the limit by the replica count and reset on every restart. The
buckets are spent by one statement sent on its own (autocommit): the row lock of a shared bucket
(an address) is held only while Postgres runs it, never across a round trip to a busy Python
process, so concurrent filings from one address do not queue behind each other's BEGIN/COMMIT.
"""

import math
from datetime import datetime

from shouwang.common.auth.principal import Principal
from shouwang.common.failures import RateLimited
from shouwang.intake.adapters import rate_buckets
from shouwang.intake.config import RateLimit
from shouwang.intake.runtime import IntakeRuntime


def retry_after_seconds(
    tokens: float, updated_at: datetime, now: datetime, limit: RateLimit
) -> int:
    """Whole seconds until one token is available again (at least 1)."""
    rate = limit.per_minute / 60.0
    elapsed = max(0.0, (now - updated_at).total_seconds())
    available = min(float(limit.burst), tokens + elapsed * rate)
    return max(1, math.ceil((1.0 - available) / rate - 1e-9)) if rate > 0 else 3600


async def check_limits(runtime: IntakeRuntime, principal: Principal, *, host: str) -> None:
    """Spend the caller's token and, for residents, one of their client address's.

    The caller's first: a refused caller spends nothing of the address's bucket.
    """
    settings = runtime.settings
    role = principal.role
    buckets = [(principal.key, settings.rate_for(role), "申报过于频繁，请 {wait} 秒后再试")]
    if role == "resident":
        # NOTE: one address is many residents behind a carrier NAT: its own, wider bucket
        buckets.append(
            (
                f"address:{host}",
                settings.resident_address_rate,
                "当前网络地址申报过于频繁，请 {wait} 秒后再试",
            )
        )
    now = runtime.clock.now()
    async with runtime.engine.connect() as conn:
        single = await conn.execution_options(isolation_level="AUTOCOMMIT")
        spend = [
            rate_buckets.Bucket(bucket, limit.burst, limit.per_minute / 60.0)
            for bucket, limit, _ in buckets
        ]
        refused = await rate_buckets.take(single, spend, now=now)
        if refused is None:
            return
        bucket, limit, message = buckets[refused]
        row = await rate_buckets.level(single, bucket)
    wait = retry_after_seconds(row["tokens"], row["updated_at"], now, limit)
    raise RateLimited(
        message.format(wait=wait),
        code="rate_limited",
        details={"retry_after_seconds": wait},
        headers={"Retry-After": str(wait)},
    )
