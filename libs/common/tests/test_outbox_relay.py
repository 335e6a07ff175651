"""Outbox relay under SIGKILL: every row reaches the topic, and through the inbox takes effect once.

The relay runs in its own OS process (the same code a service runs), is killed with SIGKILL
while it is publishing, and restarted. At-least-once on the wire (a batch sent but not yet marked
may be sent again), exactly-once in effect (the consumer's inbox drops the repeats).
"""

import asyncio
import signal
import sys

import pytest
from aiokafka.partitioner import DefaultPartitioner
from shouwang.common.db.outbox import outbox_rows
from shouwang.common.testing.fixtures import wait_until
from sqlalchemy import insert, text

N = 5_000
BATCH = 50  # small batches: the kill lands mid-publish and at most one batch can repeat

RELAY_PROCESS = """
import asyncio, signal, sys
from shouwang.common.db.base import service_metadata
from shouwang.common.db.engine import build_engine
from shouwang.common.db.outbox import outbox_table
from shouwang.common.kafka.producer import build_producer
from shouwang.common.relay import OutboxRelay

async def main(url, bootstrap, schema, batch):
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    engine = build_engine(url)
    producer = build_producer(bootstrap)
    await producer.start()
    table = outbox_table(service_metadata(schema))
    relay = OutboxRelay(engine=engine, table=table, producer=producer,
                        batch_size=batch, idle_seconds=0.02)
    await relay.run(stop)
    await producer.stop()
    await engine.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
"""


async def _start_relay(scratch) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", RELAY_PROCESS,
        scratch.database_url, scratch.bootstrap, scratch.schema, str(BATCH),
    )  # fmt: skip


async def _published(scratch) -> int:
    return int(await scratch.scalar("SELECT count(published_at) FROM {s}.outbox"))


async def _stage_rows(scratch, topic: str) -> set[str]:
    envelopes = [scratch.event(i) for i in range(N)]
    rows = outbox_rows(envelopes)
    for row in rows:
        row["topic"] = topic  # the relay publishes to the row's topic: this test's own topic
    async with scratch.engine.begin() as conn:
        await conn.execute(insert(scratch.outbox), rows)
    return {env.id for env in envelopes}


@pytest.mark.slow
@pytest.mark.parametrize("window", ["while_publishing", "after_send_before_mark"])
async def test_relay_killed_mid_publish_loses_nothing_and_inbox_applies_once(scratch, window):
    topic = await scratch.new_topic(partitions=3)
    outbox_ids = await _stage_rows(scratch, topic)

    first = await _start_relay(scratch)

    async def some_published() -> bool:
        if first.returncode is not None:
            raise AssertionError(f"relay exited early ({first.returncode})")
        return await _published(scratch) >= N // 5

    await wait_until(some_published, timeout=60, interval=0.005, what="relay publishing")
    if window == "while_publishing":  # wherever the relay happens to be
        await _kill(first)
    else:  # the worst moment: a batch acknowledged by the broker, not yet marked published
        await _kill_when_blocked_before_mark(scratch, first)
    at_kill = await _published(scratch)
    assert 0 < at_kill < N, f"kill must land mid-publish, {at_kill}/{N} marked"

    second = await _start_relay(scratch)
    try:
        await wait_until(
            lambda: _all_published(scratch), timeout=120, what="every outbox row published"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), timeout=30) == 0  # graceful drain + exit

    records = await scratch.read(topic)
    topic_ids = [r.header("ce_id") for r in records]
    assert set(topic_ids) == outbox_ids, "every outbox event on the topic, nothing foreign"
    misplaced = [r for r in records if r.partition != DefaultPartitioner()(r.key, [0, 1, 2], [])]
    assert not misplaced, "each record on the partition its key hashes to (murmur2, as Java's)"
    duplicates = len(topic_ids) - N
    print(
        f"relay kill ({window}): {N} rows, {at_kill} marked at SIGKILL, "
        f"{len(records)} records on topic, {duplicates} duplicates"
    )
    assert 0 <= duplicates <= BATCH, "at most the one in-flight batch may be sent twice"
    if window == "after_send_before_mark":
        assert duplicates == BATCH, "the acknowledged but unmarked batch is sent again"

    consumer = scratch.consumer([topic])
    async with scratch.consuming(consumer):

        async def all_handled() -> bool:
            return consumer.handled >= len(records) + scratch.fences[topic]

        await wait_until(all_handled, timeout=120, what="consumer through the topic")
    assert consumer.handled == len(records) + scratch.fences[topic]
    assert consumer.dead_lettered == 0
    assert await scratch.effect_counts() == (N, N), "each event's effect exactly once"
    inbox = await scratch.scalar("SELECT count(*) FROM {s}.inbox WHERE event_id NOT LIKE 'fence-%'")
    assert inbox == N


async def _all_published(scratch) -> bool:
    return await _published(scratch) == N


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL


async def _kill_when_blocked_before_mark(scratch, relay: asyncio.subprocess.Process) -> None:
    """Hold a SHARE lock on the outbox: the relay still claims and sends a batch (row locks are
    compatible) but its UPDATE marking the batch waits; SIGKILL it right there."""
    async with scratch.engine.connect() as locker:
        await locker.execute(text(f'LOCK TABLE "{scratch.schema}".outbox IN SHARE MODE'))

        async def relay_waits_on_mark() -> bool:
            waiting = await scratch.scalar(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'outbox' AND c.relnamespace = '{s}'::regnamespace "
                "AND NOT l.granted"
            )
            return int(waiting) > 0

        await wait_until(relay_waits_on_mark, timeout=60, what="relay blocked marking a batch")
        await _kill(relay)
        await locker.rollback()
