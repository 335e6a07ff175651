"""The live hub's LISTEN connection: once lost, retried with the shared back-off, not each tick."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from shouwang.common.clock import FixedClock
from shouwang.common.live import hub as hub_module
from shouwang.common.live.hub import LiveHub
from shouwang.common.retry import Backoff

NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


class FakeConnection:
    """What the hub uses of an asyncpg connection."""

    def __init__(self) -> None:
        self.channels: list[str] = []
        self.closed = False

    async def add_listener(self, channel: str, _callback: Any) -> None:
        self.channels.append(channel)

    def is_closed(self) -> bool:
        return self.closed

    async def close(self) -> None:
        self.closed = True


class Database:
    """asyncpg.connect that refuses while down, counting every attempt."""

    def __init__(self) -> None:
        self.down = False
        self.attempts = 0
        self.connections: list[FakeConnection] = []

    async def connect(self, *_args: Any, **_kwargs: Any) -> FakeConnection:
        self.attempts += 1
        if self.down:
            raise ConnectionRefusedError("database down")
        self.connections.append(FakeConnection())
        return self.connections[-1]


async def settled(check: Any, timeout: float = 5.0) -> None:
    """Poll a plain check until it holds."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def _hub(stopping: asyncio.Event, backoff: Backoff) -> LiveHub:
    url = "postgresql://postgres@127.0.0.1/none"  # never reached: Database stands in
    return LiveHub(database_url=url, clock=FixedClock(NOW), stopping=stopping, backoff=backoff)


@pytest.fixture
async def stopping() -> AsyncIterator[asyncio.Event]:
    event = asyncio.Event()
    yield event
    event.set()  # the hub's tick ends and closes its connection


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Database:
    db = Database()
    monkeypatch.setattr(asyncpg, "connect", db.connect)
    monkeypatch.setattr(hub_module, "TICK_SECONDS", 0.01)
    return db


async def test_a_lost_connection_is_retried_with_growing_pauses_then_every_stream_reads(
    database: Database, stopping: asyncio.Event
) -> None:
    hub = _hub(stopping, Backoff(first=0.05, cap=0.4, jitter=0.0))
    async with (
        hub.subscribe("feed_a", prefix=None, expires_at=None) as a,
        hub.subscribe("feed_b", prefix="2312", expires_at=None) as b,
    ):
        database.down = True
        database.connections[0].closed = True
        await asyncio.sleep(0.6)
        # NOTE: a fixed 10 ms tick would have tried ~60 times; pauses of 50, 100, 200, 400 ms
        # (the cap) leave room for 4-5 attempts
        assert 3 <= database.attempts - 1 <= 6
        assert hub.outage.failures == database.attempts - 1

        database.down = False
        await settled(lambda: not database.connections[-1].closed and hub.outage.failures == 0)
        assert sorted(database.connections[-1].channels) == ["feed_a", "feed_b"]
        assert a.takes_read(after=0) and b.takes_read(after=0), "notifications were lost"


async def test_a_new_stream_that_reconnects_first_relistens_every_channel(
    database: Database, stopping: asyncio.Event
) -> None:
    hub = _hub(stopping, Backoff(first=60.0, cap=60.0, jitter=0.0))
    async with hub.subscribe("feed_a", prefix=None, expires_at=None) as a:
        database.down = True
        database.connections[0].closed = True
        await settled(lambda: hub.outage.failures == 1)  # the tick now waits a minute
        database.down = False
        async with hub.subscribe("feed_b", prefix=None, expires_at=None):
            assert sorted(database.connections[-1].channels) == ["feed_a", "feed_b"]
            assert a.takes_read(after=0), "the older stream missed what was sent meanwhile"
            assert hub.outage.failures == 0
