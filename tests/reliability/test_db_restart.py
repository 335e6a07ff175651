"""Issue 10.2 database restart: Postgres stopped and started under load, warning recovers alone.

warning runs as a real process on its own Postgres server (this test stops it; the session's
server is never touched) and a private broker. A department client keeps pushing small batches.
To be sure rows are pending in the outbox when the database goes, warning is frozen (SIGSTOP,
a scheduler pause) once task.created rows wait in its outbox; Postgres is stopped; warning is
thawed. While Postgres is down /readyz answers 503 and /healthz 200. Postgres comes back:
readyz 200 again, the rows pending at the stop are published, every push becomes tasks.
"""

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from shouwang.common.devinfra import EmbeddedPostgres
from shouwang.common.events.catalog.warning import BatchFiled
from shouwang.common.events.envelope import new_envelope
from shouwang.common.events.topics import (
    ASSISTANCE_HOUSEHOLDS,
    INTAKE_DECLARATIONS,
    WARNING_BATCHES,
)
from shouwang.common.kafka.producer import build_producer, send_envelope
from shouwang.common.testing.fixtures import wait_until

from .conftest import Department, prepare_database, server_port

TASK_CREATED = "shouwang.warning.task.created.v1"
CONSUMED = (WARNING_BATCHES.name, INTAKE_DECLARATIONS.name, ASSISTANCE_HOUSEHOLDS.name)
STATE = """
SELECT
  (SELECT count(*) FROM warning.outbox WHERE published_at IS NULL) AS pending,
  (SELECT count(*) FROM warning.outbox WHERE type = $1 AND published_at IS NULL) AS pending_tasks,
  (SELECT count(*) FROM warning.tasks) AS tasks,
  (SELECT count(*) FROM warning.batches WHERE processing <> 'done') AS unprocessed
"""


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[EmbeddedPostgres]:
    """A private Postgres server this test may stop."""
    server = EmbeddedPostgres(tmp_path / "pg", server_port(), tmp_path / "logs" / "postgres.log")
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def state(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return dict(await conn.fetchrow(STATE, TASK_CREATED))
    finally:
        await conn.close()


async def no_active_backend(url: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        return not await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'active'"
            # waiting on the frozen client (a COPY) or on its locks: cannot finish while frozen
            " AND coalesce(wait_event_type, '') NOT IN ('Client', 'Lock')")  # fmt: skip
    finally:
        await conn.close()


async def probe(base_url: str, path: str) -> tuple[int, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.get(base_url + path)
        return resp.status_code, resp.json()


@pytest.mark.slow
async def test_postgres_restart_under_load_readyz_reports_it_and_service_recovers(
    own_postgres, own_broker, spawn_service
):
    url = await prepare_database(own_postgres.url(), "shouwang")
    warning = spawn_service("warning", database_url=url, bootstrap=own_broker.bootstrap)
    await warning.wait_ready()
    department, accepted, stop_load = Department(warning), [], asyncio.Event()

    async def light_load() -> None:
        while not stop_load.is_set():
            body = department.batch(20)
            accepted.append((await department.push(body, key=f"load-{len(accepted)}"))["accepted"])

    loader = asyncio.create_task(light_load())
    await wait_until(lambda: _at_least(accepted, 3), timeout=60, what="load flowing")

    async def tasks_waiting() -> bool:
        if loader.done():
            loader.result()
        return (await state(url))["pending_tasks"] > 0

    pending_ids: set[int] = set()
    for _ in range(20):  # the relay may publish them between our look and the freeze: again
        await wait_until(tasks_waiting, timeout=60, interval=0.002, what="task.created pending")
        os.killpg(warning.proc.pid, signal.SIGSTOP)  # freeze: the pending rows stay pending
        # a COMMIT already on the wire when the signal landed still completes: wait until no
        # backend of the frozen service is working before taking the list of pending rows
        await wait_until(lambda: no_active_backend(url), timeout=30, what="frozen service quiet")
        conn = await asyncpg.connect(url)
        pending_ids = {r[0] for r in await conn.fetch(
            "SELECT id FROM warning.outbox WHERE published_at IS NULL")}  # fmt: skip
        await conn.close()
        if pending_ids:
            break
        os.killpg(warning.proc.pid, signal.SIGCONT)
    await asyncio.to_thread(own_postgres.stop)
    down_at, stopped_at = time.monotonic(), datetime.now(UTC)
    os.killpg(warning.proc.pid, signal.SIGCONT)
    retries_before = department.retries

    async def not_ready() -> Any:
        status, body = await probe(warning.url, "/readyz")
        return body if status == 503 else None

    body = await wait_until(not_ready, timeout=30, interval=0.1, what="readyz 503 while db down")
    assert body["checks"] == {"database": False, "broker": True}, body
    assert (await probe(warning.url, "/healthz"))[0] == 200, "alive while the database is down"
    await wait_until(lambda: _retried(department, retries_before), timeout=30,
                     what="a push failing while the database is down")  # fmt: skip
    stray = await publish_filed_event(own_broker.bootstrap)  # the consumer must meet the outage
    for event in ("outbox.relay_failed", "consumer.retry_transient"):
        await wait_until(lambda e=event: _logged(warning, e), timeout=30, what=f"{event} logged")

    await asyncio.to_thread(own_postgres.start)
    downtime = time.monotonic() - down_at
    await warning.wait_ready(timeout=60)  # no restart of the service, no manual step
    recovered = time.monotonic() - down_at
    stop_load.set()
    await loader
    after = await department.push(department.batch(50), key="after-restart")
    assert after["accepted"] == 50
    total = sum(accepted) + after["accepted"]

    last: dict[str, int] = {}

    async def settled() -> bool:
        last.update(await state(url))
        return last["pending"] == 0 and last["unprocessed"] == 0 and last["tasks"] == total

    try:
        await wait_until(settled, timeout=90, interval=0.1, what="pushes processed into tasks")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: expected {total} tasks, state {last}\n"
                             f"{warning.log_tail(6000)}") from None  # fmt: skip
    conn = await asyncpg.connect(url)
    try:
        late = await conn.fetch(
            "SELECT id, published_at FROM warning.outbox WHERE id = ANY($1::bigint[])",
            list(pending_ids))  # fmt: skip
        persons = await conn.fetchval("SELECT count(DISTINCT person_ref) FROM warning.tasks")
        handled = await conn.fetchval("SELECT count(*) FROM warning.inbox WHERE event_id = $1",
                                      stray)  # fmt: skip
    finally:
        await conn.close()
    assert pending_ids and len(late) == len(pending_ids)
    # nothing can be marked published while the database is down: stamped after the stop = after
    # the restart (the restart instant itself races the relay, which may publish before we look)
    assert all(r["published_at"] >= stopped_at for r in late), "pending rows sent after restart"
    assert persons == total, "one task per pushed person"
    assert handled == 1, "the event consumed during the outage was retried, then handled"
    assert await dlq_records(own_broker.bootstrap) == 0, "an outage dead-letters nothing"
    print(f"\ndb restart figures: pushes={len(accepted) + 1} items={total} tasks={total} "
          f"pending_at_stop={len(pending_ids)} push_retries={department.retries} "
          f"down={downtime:.1f}s ready_again_after={recovered:.1f}s")  # fmt: skip


async def publish_filed_event(bootstrap: str) -> str:
    """Publish a valid BatchFiled (of no stored batch: a no-op once handled); return its id."""
    filed = BatchFiled(batch_id=str(uuid.uuid4()), county_code="231226",
                       department="medical_insurance", period="2026-11", timeliness="urgent",
                       received=0, accepted=0, rejected=0, sha256="0" * 64)  # fmt: skip
    envelope = new_envelope(filed, source="/test/reliability", subject=filed.batch_id,
                            time=datetime.now(UTC))  # fmt: skip
    producer = build_producer(bootstrap)
    await producer.start()
    try:
        await send_envelope(producer, envelope)
    finally:
        await producer.stop()
    return str(envelope.id)


async def dlq_records(bootstrap: str) -> int:
    """Records on warning's consumed topics' dead-letter topics."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await reader.start()
    try:
        await reader.topics()
        parts = [TopicPartition(f"{t}.dlq", p) for t in CONSUMED
                 for p in reader.partitions_for_topic(f"{t}.dlq") or ()]  # fmt: skip
        return sum((await reader.end_offsets(parts)).values()) if parts else 0
    finally:
        await reader.stop()


async def _logged(process: Any, event: str) -> bool:
    return f'"event": "{event}"' in process.log_tail(200_000)


async def _at_least(items: list[Any], n: int) -> bool:
    return len(items) >= n


async def _retried(department: Department, before: int) -> bool:
    return department.retries > before
