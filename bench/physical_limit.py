"""The physical limit of the e2e case: COPY the same rows, produce the same events, nothing else.

The rows are the tasks the e2e run created (read back from warning.tasks), copied into a plain
table without indexes; the events are its task.created events (read back from warning's outbox),
produced raw with aiokafka, batched, acks=all, to a bench topic.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from shouwang.common.events.envelope import envelope_from_row, to_kafka
from shouwang.common.kafka.producer import keyed_partitioner

from bench.e2e_io import TASK_CREATED
from bench.stats import rate

LIMIT_TOPIC = "bench.limit"


async def copy_rows(conn: asyncpg.Connection, limit: int) -> tuple[int, float]:
    """COPY up to `limit` warning.tasks rows into a plain table; return (rows, seconds)."""
    rows = await conn.fetch("SELECT * FROM warning.tasks ORDER BY created_at LIMIT $1", limit)
    if not rows:
        return 0, 0.0
    await conn.execute(
        "CREATE SCHEMA IF NOT EXISTS bench_limit; "
        "CREATE TABLE bench_limit.tasks (LIKE warning.tasks)"
    )
    columns = list(rows[0].keys())
    records = [tuple(r) for r in rows]
    started = time.perf_counter()
    await conn.copy_records_to_table(
        "tasks", schema_name="bench_limit", records=records, columns=columns
    )
    return len(records), time.perf_counter() - started


async def produce_events(conn: asyncpg.Connection, bootstrap: str, limit: int) -> tuple[int, float]:
    """Produce up to `limit` of the run's task.created events; return (events, seconds)."""
    rows = await conn.fetch(
        "SELECT * FROM warning.outbox WHERE type = $1 ORDER BY id LIMIT $2", TASK_CREATED, limit
    )
    messages = [to_kafka(envelope_from_row(dict(r))) for r in rows]
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30000,
        partitioner=keyed_partitioner,  # as the relay's producer: the limit is no slower for it
    )
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [
            await producer.send(LIMIT_TOPIC, value=value, key=key, headers=headers)
            for key, value, headers in messages
        ]
        await asyncio.gather(*futures)
        return len(messages), time.perf_counter() - started
    finally:
        await producer.stop()


async def measure(database_url: str, bootstrap: str, items: int) -> dict[str, Any]:
    """COPY then produce (what any implementation must at least do); the limit is their sum."""
    conn = await asyncpg.connect(database_url)
    try:
        rows, copy_s = await copy_rows(conn, items)
        events, produce_s = await produce_events(conn, bootstrap, items)
    finally:
        await conn.close()
    total = copy_s + produce_s
    return {
        "rows": rows,
        "copy_s": round(copy_s, 3),
        "copy_rows_per_s": rate(rows, copy_s),
        "events": events,
        "produce_s": round(produce_s, 3),
        "produce_events_per_s": rate(events, produce_s),
        "limit_s": round(total, 3),
        "limit_items_per_s": rate(min(rows, events), total),
    }
