"""The writer's half of a live feed: NOTIFY in the transaction that appends the rows."""

from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

_NOTIFY = text(
    "SELECT pg_notify(:channel, t.key || ':' || t.position) "
    "FROM unnest(CAST(:keys AS text[]), CAST(:positions AS bigint[])) AS t(key, position)"
)


def payload(key: str, position: int) -> str:
    """The NOTIFY payload of a feed: `key:position` (key may be empty)."""
    return f"{key}:{position}"


def parse_payload(raw: str) -> tuple[str, int]:
    """Key and position of a payload; position 0 if it is not a number."""
    key, _, position = raw.rpartition(":")
    return key, int(position) if position.isdigit() else 0


async def notify(
    session: AsyncSession | AsyncConnection, *, channel: str, positions: Mapping[str, int]
) -> None:
    """NOTIFY `channel` once per key with its newest position; delivered only after commit."""
    if not positions:
        return
    keys = list(positions)
    await session.execute(
        _NOTIFY,
        {"channel": channel, "keys": keys, "positions": [positions[k] for k in keys]},
    )
