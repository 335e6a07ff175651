"""Live streams: woken by NOTIFY after commit, only for their key; idle, they read nothing."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.stream_tickets import StreamGrant
from shouwang.common.clock import FixedClock
from shouwang.common.config import to_async_url
from shouwang.common.live.hub import LiveHub
from shouwang.common.live.notify import notify
from shouwang.common.live.sse import Feed, LiveEvent, live_response
from shouwang.common.testing.fixtures import wait_until
from sqlalchemy.ext.asyncio import create_async_engine

NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
TOWNSHIP, OTHER = "231226100", "231226101"


class Counted:
    """A feed's reader over a list, counting how often the stream reads."""

    def __init__(self) -> None:
        self.rows: list[LiveEvent] = []
        self.reads = 0

    async def fetch(self, after: int, size: int) -> Sequence[LiveEvent]:
        self.reads += 1
        return [e for e in self.rows if e.id > after][:size]


@pytest.fixture
def channel() -> str:
    return f"live_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Any]:
    settings = SimpleNamespace(database_url=database_url, service_name="test")
    rt = SimpleNamespace(settings=settings, clock=FixedClock(NOW), stopping=asyncio.Event())
    yield rt
    rt.stopping.set()


async def _notify(database_url: str, channel: str, key: str, position: int) -> None:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with engine.begin() as conn:
            await notify(conn, channel=channel, positions={key: position})
    finally:
        await engine.dispose()


def _stream(runtime: Any, feed: Feed, *, expires: timedelta = timedelta(hours=1)) -> Any:
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace()))
    grant = StreamGrant(Principal(sub="t", role="township", scope=TOWNSHIP), NOW + expires)
    response = live_response(
        request,  # type: ignore[arg-type]
        runtime=runtime,
        grant=grant,
        feed=feed,
        after=0,
    )
    return response.body_iterator.__aiter__(), request.app.state.live_hub


async def test_a_notification_wakes_the_streams_of_its_key_only(database_url, channel):
    hub = LiveHub(database_url=database_url, clock=FixedClock(NOW), stopping=asyncio.Event())
    try:
        async with (
            hub.subscribe(channel, prefix=TOWNSHIP, expires_at=None) as mine,
            hub.subscribe(channel, prefix=OTHER, expires_at=None) as theirs,
            hub.subscribe(channel, prefix="231226", expires_at=None) as county,
        ):
            await _notify(database_url, channel, TOWNSHIP, 7)
            await asyncio.wait_for(mine.wait(), 10)
            await asyncio.wait_for(county.wait(), 10)
            assert not theirs.event.is_set() and mine.notified == 7
            assert mine.takes_read(6) and not mine.takes_read(7)
    finally:
        hub.stopping.set()


async def test_an_idle_stream_reads_once_and_again_only_when_notified(
    database_url, channel, runtime
):
    feed = Counted()
    events, hub = _stream(runtime, Feed(channel, TOWNSHIP, feed.fetch))
    assert await anext(events) == {"comment": "connected"}
    reading = asyncio.ensure_future(anext(events))
    await wait_until(_async(lambda: feed.reads == 1), timeout=10, what="the first read")
    await _notify(database_url, channel, OTHER, 1)  # another township's news
    await wait_until(_async(lambda: hub.notifications == 1), timeout=10, what="the NOTIFY")
    for _ in range(3):  # let a wrongly woken stream run
        await asyncio.sleep(0)
    assert feed.reads == 1 and not reading.done()
    feed.rows.append(LiveEvent(5, '{"n": 5}', "TaskCreated"))
    await _notify(database_url, channel, TOWNSHIP, 5)
    got = await asyncio.wait_for(reading, 10)
    assert got == {"id": "5", "event": "TaskCreated", "data": '{"n": 5}'}
    assert feed.reads == 2
    runtime.stopping.set()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(events), 10)


async def test_a_stream_ends_when_its_token_expires(channel, runtime):
    feed = Counted()
    events, _ = _stream(runtime, Feed(channel, TOWNSHIP, feed.fetch), expires=timedelta(minutes=5))
    assert await anext(events) == {"comment": "connected"}
    reading = asyncio.ensure_future(anext(events))
    await wait_until(_async(lambda: feed.reads == 1), timeout=10, what="the first read")
    runtime.clock.advance(timedelta(minutes=6))
    expired = await asyncio.wait_for(reading, 10)  # the hub's tick wakes it, no query
    assert expired["event"] == "expired" and "访问令牌已过期" in expired["data"]
    assert feed.reads == 1


def _async(check: Any) -> Any:
    async def run() -> bool:
        return bool(check())

    return run
