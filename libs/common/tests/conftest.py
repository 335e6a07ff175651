"""Test-only helpers for the reliability tests: a throwaway schema, test topics, an outside reader.

Each test gets its own schema (outbox, inbox and an `effects` table recording handler side
effects, deliberately without a unique constraint so only the inbox can deduplicate) and its own
topics. Topics are read back with confluent-kafka (librdkafka), independent of the aiokafka code
under test.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from shouwang.common.db.base import service_metadata
from shouwang.common.db.engine import build_engine, build_sessionmaker
from shouwang.common.db.inbox import inbox_table
from shouwang.common.db.outbox import outbox_table
from shouwang.common.events.catalog.warning import BatchFiled
from shouwang.common.events.envelope import EventEnvelope, new_envelope, to_kafka
from shouwang.common.kafka.admin import ensure_topics
from shouwang.common.kafka.consumer import EventConsumer, Handler
from shouwang.common.kafka.producer import build_producer
from sqlalchemy import BigInteger, Column, Identity, Table, Text, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


@dataclass(frozen=True)
class Record:
    """One record read back from a topic."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str | None:
        """Return the decoded value of the first header called `name`."""
        for key, raw in self.headers:
            if key == name:
                return raw.decode() if raw is not None else ""
        return None


FENCE_SUBJECT = "test-fence"


def _write_fences(bootstrap: str, topic: str, partitions: list[int]) -> dict[int, int]:
    """Append one single-record fence per partition; return each fence's offset.

    The embedded Tansu (memory engine) reports a partition's high watermark as the base offset
    of its last record batch + 1, so a reader stopping at the watermark misses the tail of a
    multi-record batch. A one-record fence batch written after the data marks the true end.
    The fence is a well-formed event (subject `test-fence`) that `Scratch.record_effect` ignores.
    """
    fence = sample_event(0)
    _, value, headers = to_kafka(fence)
    headers = [(k, FENCE_SUBJECT.encode() if k == "ce_subject" else v) for k, v in headers]
    offsets: dict[int, int] = {}

    def delivered(err: Any, msg: Any) -> None:
        if err is not None:
            raise AssertionError(f"fence not delivered: {err}")
        offsets[msg.partition()] = msg.offset()

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for p in partitions:
        headers_p = [(k, f"fence-{uuid.uuid4()}".encode() if k == "ce_id" else v)
                     for k, v in headers]  # fmt: skip
        producer.produce(topic, value=value, partition=p, headers=headers_p, on_delivery=delivered)
    if producer.flush(30) != 0 or len(offsets) != len(partitions):
        raise AssertionError(f"fences on {topic} not acknowledged")
    return offsets


def read_topic(
    bootstrap: str, topic: str, *, fence: bool = True, timeout: float = 60
) -> tuple[list[Record], int]:
    """Read a whole topic with librdkafka (no group commits); return (records, fences written).

    Fences are excluded from the records.
    """
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"outside-reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
        }
    )
    try:
        parts = sorted(reader.list_topics(topic, timeout=10).topics[topic].partitions)
        if fence:
            last = _write_fences(bootstrap, topic, parts)
        else:
            marks = [
                reader.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in parts
            ]
            last = {p: high - 1 for p, (low, high) in zip(parts, marks, strict=True) if high > low}
        records: list[Record] = []
        fences = len(last) if fence else 0
        if last:
            reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in last])
            _poll_until(reader, topic, dict(last), records, time.monotonic() + timeout)
        data = [r for r in records if r.header("ce_subject") != FENCE_SUBJECT]
        return sorted(data, key=lambda r: (r.partition, r.offset)), fences
    finally:
        reader.close()


def _poll_until(
    reader: Consumer, topic: str, pending: dict[int, int], out: list[Record], deadline: float
) -> None:
    """Collect records until every partition reached its last offset."""
    while pending:
        if time.monotonic() > deadline:
            raise AssertionError(f"reading {topic} timed out; partitions left {pending}")
        msg = reader.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise AssertionError(f"reading {topic}: {msg.error()}")
        part = msg.partition()
        if part not in pending:
            continue  # past this partition's end
        out.append(Record(part, msg.offset(), msg.key(), msg.value(), list(msg.headers() or [])))
        if msg.offset() >= pending[part]:
            del pending[part]


def sample_event(i: int, *, department: str | None = None) -> EventEnvelope:
    """A valid registered event (warning BatchFiled) numbered `i`; no PII in it.

    Its topic is keyed by county: seventeen county codes spread the events over the partitions.
    """
    data = BatchFiled(
        batch_id=f"batch-{i}",
        county_code=str(231226 + i % 17),
        department=department or f"dept-{i % 17}",
        period="2026-11",
        timeliness="on_time",
        received=1,
        accepted=1,
        rejected=0,
        sha256="0" * 64,
    )
    return new_envelope(data, source="/test/reliability", subject=f"batch-{i}",
                        time=datetime(2026, 11, 10, 2, 0, tzinfo=UTC))  # fmt: skip


@dataclass
class Scratch:
    """A throwaway schema with outbox/inbox/effects, a started producer and topic helpers."""

    database_url: str
    bootstrap: str
    schema: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    outbox: Table
    inbox: Table
    effects: Table
    producer: AIOKafkaProducer
    topics: list[str] = field(default_factory=list)
    fences: dict[str, int] = field(default_factory=dict)  # topic -> fence records appended

    async def new_topic(self, partitions: int = 1) -> str:
        """Create a fresh topic and its `.dlq` for this test."""
        name = f"test.{self.schema}.{len(self.topics)}"
        await ensure_topics(self.bootstrap, {name: partitions, f"{name}.dlq": 1})
        self.topics.append(name)
        return name

    async def record_effect(self, envelope: EventEnvelope, session: AsyncSession) -> None:
        """The handler's side effect: one row per handled event (no unique constraint)."""
        if envelope.subject == FENCE_SUBJECT:
            return
        await session.execute(insert(self.effects).values(event_id=envelope.id))

    async def effect_counts(self) -> tuple[int, int]:
        """Return (effect rows, distinct event ids among them)."""
        stmt = select(func.count(), func.count(self.effects.c.event_id.distinct()))
        async with self.engine.connect() as conn:
            total, distinct = (await conn.execute(stmt)).one()
        return int(total), int(distinct)

    async def scalar(self, sql: str) -> Any:
        """Run one scalar query inside the test schema."""
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql.format(s=f'"{self.schema}"')))).scalar()

    async def read(self, topic: str, *, fence: bool = True) -> list[Record]:
        """Read a whole topic from outside (confluent-kafka), off the event loop.

        With `fence`, one fence record per partition is appended first (see _write_fences):
        consumers of the topic then see those extra, ignorable records too. Without it the
        high watermark is trusted, which is exact only for one-record batches (DLQ writes).
        """
        records, fences = await asyncio.to_thread(read_topic, self.bootstrap, topic, fence=fence)
        self.fences[topic] = self.fences.get(topic, 0) + fences
        return records

    event = staticmethod(sample_event)

    def consuming(self, consumer: EventConsumer) -> Any:
        """Run a consumer's loop in a task for the duration of an `async with`."""
        return consuming(consumer)

    def consumer(
        self, topics: Sequence[str], *, name: str | None = None, handler: Handler | None = None
    ) -> EventConsumer:
        """An EventConsumer on this schema's inbox with short session timeouts."""
        return EventConsumer(
            name=name or f"test-consumer-{uuid.uuid4().hex[:8]}",
            bootstrap_servers=self.bootstrap,
            topics=topics,
            handler=handler or self.record_effect,
            sessionmaker=self.sessionmaker,
            inbox=self.inbox,
            producer=self.producer,
            session_timeout_ms=6000,
            heartbeat_interval_ms=2000,
        )


@asynccontextmanager
async def consuming(consumer: EventConsumer) -> AsyncIterator[asyncio.Task[None]]:
    """Run a consumer's loop in a task; stop it and leave the group on exit."""
    stop = asyncio.Event()
    await consumer.start()
    task = asyncio.create_task(consumer.run(stop), name=consumer.name)
    try:
        yield task
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=30)
        finally:
            await consumer.stop()


@pytest.fixture
async def scratch(database_url: str, stack: Any) -> AsyncIterator[Scratch]:
    """A throwaway schema in the run's database plus a started producer; dropped afterwards."""
    schema = f"rel_{uuid.uuid4().hex[:10]}"
    metadata = service_metadata(schema)
    outbox, inbox = outbox_table(metadata), inbox_table(metadata)
    effects = Table(
        "effects",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Text, nullable=False),
    )
    engine = build_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    producer = build_producer(stack.kafka_bootstrap)
    await producer.start()
    try:
        yield Scratch(database_url, stack.kafka_bootstrap, schema, engine,
                      build_sessionmaker(engine), outbox, inbox, effects, producer)  # fmt: skip
    finally:
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
