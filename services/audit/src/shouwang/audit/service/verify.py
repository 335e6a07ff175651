"""Verify the hash chain in the database, in parallel ranges of one consistent snapshot.

Every link is recomputed in Postgres (adapters/log_check.py). The positions are cut into ranges
verified on separate connections that share one exported snapshot, so the ranges see the same
log and appends running meanwhile cannot look like a break; the first broken row of all ranges
is named.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from shouwang.audit.adapters import log_check
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    first_broken: dict[str, Any] | None = None


async def verify_chain(engine: AsyncEngine, *, workers: int = 4) -> Verification:
    """Recompute the whole chain; name the first broken link (tampered, inserted or removed)."""
    async with log_check.snapshot(engine) as (conn, snapshot):
        count, low, high = await log_check.bounds(conn)
        ranges = _split(low, high, workers) if low is not None and high is not None else []
        found = await asyncio.gather(
            *(log_check.first_broken(engine, snapshot, lo, hi) for lo, hi in ranges)
        )
        broken = [row for row in found if row is not None]
        if broken:
            first = min(broken, key=lambda row: row["position"])
            return Verification(False, count, first)
        return await _check_head(conn, count)


def _split(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    """Cut [low, high] into at most `parts` contiguous ranges."""
    size = max(1, -(-(high - low + 1) // parts))
    return [(lo, min(lo + size - 1, high)) for lo in range(low, high + 1, size)]


async def _check_head(conn: AsyncConnection, count: int) -> Verification:
    """The head must point at the last row: rows removed from the end break it."""
    broken = await log_check.head_mismatch(conn, count)
    return Verification(broken is None, count, broken)
