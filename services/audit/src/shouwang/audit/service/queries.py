"""Reading the audit log: filtered, scoped, keyset-paginated by position."""

import json
from typing import Any

from shouwang.audit.adapters import log_store
from shouwang.audit.adapters.log_store import EventFilter, filtered
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["PII_VIEWED", "EventFilter", "event_view", "events_after", "filtered", "log_head"]

PII_VIEWED = "shouwang.access.pii.viewed.v1"


def event_view(row: RowMapping) -> dict[str, Any]:
    """The API form of one log row (the event as hashed, plus its chain links)."""
    event = json.loads(row["canonical"])
    return {
        "position": row["position"],
        "event_id": row["event_id"],
        "type": row["type"],
        "source": row["source"],
        "subject": row["subject"],
        "time": event["time"],
        "correlation_id": event["correlation_id"],
        "topic": row["topic"],
        "actor": row["actor"],
        "county_code": row["county_code"],
        "township_code": row["township_code"],
        "data": event["data"],
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
    }


async def log_head(engine: AsyncEngine) -> int:
    """The log's newest position: a live stream without a position starts there."""
    async with engine.connect() as conn:
        return await log_store.head_position(conn)


async def events_after(
    engine: AsyncEngine, *, region: str | None, after: int, size: int
) -> list[tuple[int, dict[str, Any]]]:
    """Up to `size` events in a region after a position, each with its position, in order."""
    async with engine.connect() as conn:
        rows = await log_store.matching(conn, EventFilter(region=region, after=after), limit=size)
    return [(row["position"], event_view(row)) for row in rows]
