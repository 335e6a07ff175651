"""The township task feed as the live streams read it: its head, and the events after a position."""

import json
from collections.abc import Sequence

from shouwang.common.live.sse import Fetch, LiveEvent
from shouwang.warning.adapters.tables import task_feed
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


async def head(session: AsyncSession) -> int:
    """The newest position of the feed (positions are global: one sequence for every township)."""
    return int(
        (await session.execute(select(func.coalesce(func.max(task_feed.c.id), 0)))).scalar_one()
    )


def reader(engine: AsyncEngine, township: str) -> Fetch:
    """Fetch a township's events after a position, oldest first."""

    async def fetch(after: int, size: int) -> Sequence[LiveEvent]:
        stmt = (
            select(task_feed.c.id, task_feed.c.event_type, task_feed.c.payload)
            .where(task_feed.c.township_code == township, task_feed.c.id > after)
            .order_by(task_feed.c.id)
            .limit(size)
        )
        async with engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            LiveEvent(row.id, json.dumps(row.payload, ensure_ascii=False), row.event_type)
            for row in rows
        ]

    return fetch
