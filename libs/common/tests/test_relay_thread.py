"""The relay thread: it publishes while the service's own loop is busy, and drains when stopped."""

import asyncio
import time

from shouwang.common.config import CommonSettings
from shouwang.common.db.outbox import outbox_rows
from shouwang.common.relay_thread import RelayThread
from shouwang.common.testing.fixtures import wait_until
from sqlalchemy import insert

N = 400


async def _stage(scratch, topic: str, n: int) -> set[str]:
    envelopes = [scratch.event(i) for i in range(n)]
    rows = outbox_rows(envelopes)
    for row in rows:
        row["topic"] = topic
    async with scratch.engine.begin() as conn:
        await conn.execute(insert(scratch.outbox), rows)
    return {env.id for env in envelopes}


def _relay(scratch, make_settings) -> RelayThread:
    settings = make_settings(CommonSettings, relay_batch_size=20, relay_idle_seconds=0.02)
    return RelayThread(settings, scratch.outbox)


async def test_the_relay_thread_publishes_while_the_service_loop_is_blocked(scratch, make_settings):
    topic = await scratch.new_topic(partitions=3)
    staged = await _stage(scratch, topic, N)
    relay = _relay(scratch, make_settings)
    relay.start()
    try:
        deadline = time.monotonic() + 60
        while relay.published < N and time.monotonic() < deadline:
            # blocks this test's loop as a busy consumer blocks a service's: nothing on it runs
            time.sleep(0.01)
        assert relay.published == N, "every batch published with the service's loop blocked"
    finally:
        await asyncio.wait_for(relay.stop(), timeout=30)
    assert not relay.alive
    unpublished = await scratch.scalar("SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL")
    assert unpublished == 0
    assert {r.header("ce_id") for r in await scratch.read(topic)} == staged


async def test_a_relay_thread_stopped_at_once_ends_without_publishing_twice(scratch, make_settings):
    topic = await scratch.new_topic()
    staged = await _stage(scratch, topic, 30)
    first = _relay(scratch, make_settings)
    first.start()
    await asyncio.wait_for(first.stop(), timeout=30)  # perhaps before its loop even started
    assert not first.alive
    second = _relay(scratch, make_settings)
    second.start()
    try:

        async def all_published() -> bool:
            return first.published + second.published >= 30

        await wait_until(all_published, timeout=60, what="the second relay publishing the rest")
    finally:
        await asyncio.wait_for(second.stop(), timeout=30)
    records = await scratch.read(topic)
    assert sorted(r.header("ce_id") for r in records) == sorted(staged), "each event once"
