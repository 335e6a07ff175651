"""Operator signals: outbox backlog gauges, and a request's correlation id carried into the
events it causes (and theirs, through a consumer) and into every log line meanwhile."""

import io
import json
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from fastapi import FastAPI, Request
from prometheus_client import REGISTRY
from shouwang.common.correlation import CorrelationId
from shouwang.common.db.outbox import outbox_rows
from shouwang.common.logging import configure_logging
from shouwang.common.ops_metrics import measure_outbox
from shouwang.common.relay import OutboxRelay
from shouwang.common.testing.fixtures import wait_until
from sqlalchemy import insert, select

log = structlog.get_logger(__name__)


async def test_backlog_gauges_count_unpublished_rows_and_the_oldest_age(scratch):
    now = datetime.now(UTC)
    rows = outbox_rows([scratch.event(i) for i in range(3)])
    for row, published, age in zip(rows, [now, None, None], [0, 90, 5], strict=True):
        row.update(published_at=published, created_at=now - timedelta(seconds=age))
    async with scratch.engine.begin() as conn:
        await conn.execute(insert(scratch.outbox), rows)
    assert (await measure_outbox(scratch.engine, scratch.outbox, "gauge-test"))[0] == 2
    labels = {"service": "gauge-test"}
    assert REGISTRY.get_sample_value("shouwang_outbox_backlog", labels) == 2
    assert REGISTRY.get_sample_value("shouwang_outbox_oldest_pending_seconds", labels) >= 90


async def _stage(scratch, topic: str, number: int) -> None:
    """Stage one event as a handler would (new_envelope picks up the bound correlation id)."""
    row = outbox_rows([scratch.event(number)])[0]
    row["topic"] = topic
    async with scratch.engine.begin() as conn:
        await conn.execute(insert(scratch.outbox), [row])
    log.info("test.staged", number=number)


def _app(scratch, topic: str) -> FastAPI:
    app = FastAPI()
    app.add_middleware(CorrelationId)

    @app.post("/things/{thing_id}")
    async def create(thing_id: int, request: Request) -> dict[str, int]:
        await _stage(scratch, topic, thing_id)
        return {"id": thing_id}

    return app


def _log_lines(stream: io.StringIO, event: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == event]


async def test_correlation_id_goes_from_the_request_to_its_events_their_effects_and_logs(scratch):
    stream = io.StringIO()
    configure_logging(service_name="correlation-test", stream=stream)
    topic, follow_up_topic = await scratch.new_topic(), await scratch.new_topic()
    transport = httpx.ASGITransport(app=_app(scratch, topic))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        given = await client.post("/things/1", headers={"X-Correlation-ID": "req-abc.123"})
        fresh = await client.post("/things/2")
    assert given.headers["x-correlation-id"] == "req-abc.123", "echoed to the caller"
    generated = fresh.headers["x-correlation-id"]
    assert generated and generated != "req-abc.123", "a request without one gets its own"

    await OutboxRelay(
        engine=scratch.engine, table=scratch.outbox, producer=scratch.producer
    ).drain()
    headers = {
        r.header("ce_subject"): r.header("ce_correlationid") for r in await scratch.read(topic)
    }
    assert headers == {"batch-1": "req-abc.123", "batch-2": generated}

    async def cause_follow_up(envelope, session) -> None:
        if envelope.subject == "batch-1":
            await _stage(scratch, follow_up_topic, 100)

    consumer = scratch.consumer([topic], handler=cause_follow_up)
    async with scratch.consuming(consumer):
        await wait_until(lambda: _follow_up_staged(scratch), timeout=60, what="follow-up event")
    assert await _follow_up_staged(scratch) == "req-abc.123", "the consumer re-bound the id"
    staged = {
        line["number"]: line.get("correlation_id") for line in _log_lines(stream, "test.staged")
    }
    assert staged == {1: "req-abc.123", 2: generated, 100: "req-abc.123"}, "every log line names it"


async def _follow_up_staged(scratch) -> str | None:
    stmt = select(scratch.outbox.c.correlation_id).where(scratch.outbox.c.subject == "batch-100")
    async with scratch.engine.connect() as conn:
        return (await conn.execute(stmt)).scalar()
