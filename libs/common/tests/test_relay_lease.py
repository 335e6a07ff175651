"""One active relay per outbox whatever the number of replicas; a standby takes over fast.

Two relay processes (the code a service runs) share one outbox with a backlog. Only the lease
holder publishes; when it is SIGKILLed mid-publish its lock goes with its connection and the
standby, polling every 0.5 s, takes over. Per partition the topic then holds every event in the
order it was committed (a repeat of the killed batch may follow, never a jump ahead).
"""

import asyncio
import signal
import sys
import time

from shouwang.common.db.outbox import outbox_rows
from shouwang.common.testing.fixtures import wait_until
from sqlalchemy import insert

N = 10_000
BATCH = 50

RELAY_PROCESS = """
import asyncio, signal, sys
from shouwang.common.db.base import service_metadata
from shouwang.common.db.engine import build_engine
from shouwang.common.db.outbox import outbox_table
from shouwang.common.kafka.producer import build_producer
from shouwang.common.relay import OutboxRelay

async def announce(relay, stop):
    while not relay.active and not stop.is_set():
        await asyncio.sleep(0.01)
    print("ACTIVE", flush=True)

async def main(url, bootstrap, schema, batch):
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    engine = build_engine(url)
    producer = build_producer(bootstrap)
    await producer.start()
    relay = OutboxRelay(engine=engine, table=outbox_table(service_metadata(schema)),
                        producer=producer, batch_size=batch, idle_seconds=0.02)
    print("STARTED", flush=True)
    await asyncio.gather(relay.run(stop), announce(relay, stop))
    await producer.stop()
    await engine.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
"""


async def _start_relay(scratch) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RELAY_PROCESS,
        scratch.database_url, scratch.bootstrap, scratch.schema, str(BATCH),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    await _wait_for_line(process, "STARTED")
    return process


async def _wait_for_line(process: asyncio.subprocess.Process, marker: str) -> None:
    """Read the process's output (log lines too) up to the line `marker`."""
    assert process.stdout is not None

    async def read() -> None:
        while (line := await process.stdout.readline()) and line.decode().strip() != marker:
            pass
        assert line, f"relay exited before printing {marker}"

    await asyncio.wait_for(read(), timeout=60)


async def _published(scratch) -> int:
    return int(await scratch.scalar("SELECT count(published_at) FROM {s}.outbox"))


async def _stage_backlog(scratch, topic: str) -> None:
    """N rows committed one transaction each, in order: event i is `batch-i`."""
    for start in range(0, N, 500):
        rows = outbox_rows([scratch.event(i) for i in range(start, start + 500)])
        for row in rows:
            row["topic"] = topic
        async with scratch.engine.begin() as conn:
            await conn.execute(insert(scratch.outbox), rows)


def _first_occurrences(records) -> dict[int, list[int]]:
    """Per partition, the event numbers in topic order, repeats dropped."""
    seen: set[str] = set()
    order: dict[int, list[int]] = {}
    for record in records:
        event_id = record.header("ce_id")
        if event_id in seen:
            continue
        seen.add(event_id)
        number = int(record.header("ce_subject").removeprefix("batch-"))
        order.setdefault(record.partition, []).append(number)
    return order


async def test_one_relay_publishes_and_a_standby_takes_over_in_commit_order(scratch):
    topic = await scratch.new_topic(partitions=3)
    first = await _start_relay(scratch)
    second = None
    try:
        await _wait_for_line(first, "ACTIVE")
        second = await _start_relay(scratch)
        await _stage_backlog(scratch, topic)  # while both run: one publishes, one stands by
        await wait_until(lambda: _published_at_least(scratch, N // 5), timeout=60, interval=0.005)
        first.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert await first.wait() == -signal.SIGKILL
        at_kill = await _published(scratch)
        await _wait_for_line(second, "ACTIVE")  # the standby takes the lease
        takeover = time.monotonic() - killed_at
        await wait_until(lambda: _published_at_least(scratch, N), timeout=120)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=30)
    print(f"relay takeover after SIGKILL: {takeover:.2f}s ({at_kill}/{N} published at kill)")
    assert at_kill < N, "the kill landed while the backlog was being published"
    assert takeover < 3.0, "the standby polls the lease every 0.5 s"

    records = await scratch.read(topic)
    order = _first_occurrences(records)
    assert sum(len(numbers) for numbers in order.values()) == N, "every event reached the topic"
    for partition, numbers in order.items():
        assert numbers == sorted(numbers), f"partition {partition} holds events out of order"
    assert len(records) - N <= BATCH, "at most the killed holder's batch is sent twice"


async def _published_at_least(scratch, count: int) -> bool:
    return await _published(scratch) >= count
