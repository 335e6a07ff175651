"""Consumer loop: decode once, handle through the inbox in one transaction, dead-letter poison."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from prometheus_client import Counter
from shouwang.common.correlation import correlated
from shouwang.common.db.inbox import claim_event, claim_events
from shouwang.common.db.transient import is_transient
from shouwang.common.events.envelope import EventEnvelope, PoisonEvent, from_kafka
from shouwang.common.kafka.lanes import Lanes, split
from shouwang.common.kafka.producer import send_raw
from shouwang.common.retry import Backoff, Retrier
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = structlog.get_logger(__name__)

Handler = Callable[[EventEnvelope, AsyncSession], Awaitable[None]]
# optional: all new events of one poll at once (same transaction as their inbox rows)
BatchHandler = Callable[[list[EventEnvelope], AsyncSession], Awaitable[None]]
MAX_ATTEMPTS = 3  # an event failing this often for a reason of its own is dead-lettered
# a passing database failure (db/transient.py) is retried until it passes, never dead-lettered
TRANSIENT_BACKOFF = Backoff(first=0.2, cap=5.0)
DEAD_LETTERS = Counter(
    "shouwang_dead_letters_total", "Events sent to a dead-letter topic", ["consumer", "topic"]
)


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        bootstrap_servers: str,
        topics: Sequence[str],
        handler: Handler,
        sessionmaker: async_sessionmaker[AsyncSession],
        inbox: Table,
        producer: AIOKafkaProducer,
        session_timeout_ms: int = 6000,
        heartbeat_interval_ms: int = 2000,
        accepts: Callable[[EventEnvelope], bool] | None = None,
        batch_handler: BatchHandler | None = None,
        client_options: dict[str, Any] | None = None,
        lanes: Lanes | None = None,
        inbox_retention_days: int | None = None,
    ) -> None:
        self._accepts = accepts or (lambda _: True)
        self._batch_handler = batch_handler
        self._lanes = lanes
        # None: kept as long as the consumer's topics can redeliver (db/inbox.py)
        self.inbox_retention_days = inbox_retention_days
        self.name = name
        self._topics = list(topics)
        self._handler = handler
        self._sessionmaker = sessionmaker
        self._inbox = inbox
        self._producer = producer
        self.handled = 0
        self.dead_lettered = 0
        self._consumer = AIOKafkaConsumer(
            *self._topics,
            **(client_options or {}),
            bootstrap_servers=bootstrap_servers,
            group_id=name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            max_poll_records=500,
        )

    @property
    def topics(self) -> list[str]:
        return list(self._topics)

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    def assignment(self) -> set[TopicPartition]:
        return set(self._consumer.assignment())

    async def lag(self) -> dict[TopicPartition, int]:
        """Records each partition of the group's topics holds past the group's committed offset."""
        parts = [
            TopicPartition(topic, p)
            for topic in self._topics
            for p in sorted(self._consumer.partitions_for_topic(topic) or ())
        ]
        if not parts:
            return {}
        ends = await self._consumer.end_offsets(parts)
        starts = await self._consumer.beginning_offsets(parts)
        lag = {}
        for tp in parts:
            committed = await self._consumer.committed(tp)
            lag[tp] = max(ends[tp] - (starts[tp] if committed is None else committed), 0)
        return lag

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until stopped; offsets are committed only after the effects committed."""
        while not stop.is_set():
            batches = await self._consumer.getmany(timeout_ms=300)
            if batches and self._lanes and await self._apply_lanes(self._lanes, batches):
                await self._consumer.commit({tp: r[-1].offset + 1 for tp, r in batches.items()})
                continue
            for tp, records in batches.items():
                if not await self._handle_partition(tp, records, stop):
                    return  # stopping mid-failure: the rest is redelivered after restart

    async def _handle_partition(
        self, tp: TopicPartition, records: list[ConsumerRecord], stop: asyncio.Event
    ) -> bool:
        """Handle records in order, commit past the handled ones; False if interrupted."""
        if await self._apply_batch(records):
            await self._consumer.commit({tp: records[-1].offset + 1})
            return True
        done = 0
        for record in records:
            if not await self._handle(record, stop):
                break
            done += 1
        if done:
            await self._consumer.commit({tp: records[done - 1].offset + 1})
        return done == len(records)

    async def _handle(self, record: ConsumerRecord, stop: asyncio.Event) -> bool:
        """Apply or dead-letter one record; False if it failed while stopping (not committed)."""
        try:
            envelope = from_kafka(record.value, list(record.headers or ()))
        except PoisonEvent as exc:
            await self._dead_letter(record, str(exc))
            return True
        outage, failures = Retrier(TRANSIENT_BACKOFF, stop=stop), 0
        while True:
            try:
                await self._apply(envelope)
                return True
            except Exception as exc:
                if stop.is_set():
                    # a failure while shutting down (an outage, a disposed engine) says nothing
                    # about the event: leave it uncommitted instead of dead-lettering it
                    log.warning(
                        "consumer.stopped_mid_failure",
                        consumer=self.name,
                        event_id=envelope.id,
                        error=repr(exc),
                    )
                    return False
                if is_transient(exc):
                    log.warning(
                        "consumer.retry_transient",
                        consumer=self.name,
                        event_id=envelope.id,
                        error=str(exc),
                    )
                    await outage.pause()
                    continue
                failures += 1
                if failures < MAX_ATTEMPTS:
                    continue
                log.error(
                    "consumer.handler_failed",
                    consumer=self.name,
                    event_id=envelope.id,
                    event_type=envelope.type,
                    error=repr(exc),
                )
                await self._dead_letter(record, repr(exc))
                return True

    async def _apply_batch(self, records: list[ConsumerRecord]) -> bool:
        """Fast path: the whole poll in one transaction; False sends it record by record."""
        try:
            envelopes = [from_kafka(r.value, list(r.headers or ())) for r in records]
        except PoisonEvent:
            return False
        wanted = [e for e in envelopes if self._accepts(e)]
        try:
            await self._in_transaction(wanted)
        except Exception as exc:  # noqa: BLE001 - isolate the failing event on the slow path
            log.info("consumer.batch_fallback", consumer=self.name, error=repr(exc)[:200])
            return False
        self.handled += len(wanted)
        return True

    async def _apply_lanes(
        self, lanes: Lanes, batches: dict[TopicPartition, list[ConsumerRecord]]
    ) -> bool:
        """The whole poll as concurrent lanes; False sends each partition down the usual path.

        NOTE: a lane's transactions that committed before another failed stay committed; their
        inbox rows make the fallback skip them, so every effect still happens exactly once.
        """
        try:
            envelopes = [
                from_kafka(r.value, list(r.headers or ())) for rs in batches.values() for r in rs
            ]
        except PoisonEvent:
            return False
        wanted = [e for e in envelopes if self._accepts(e)]
        gate = asyncio.Semaphore(lanes.concurrency)

        async def lane(transactions: list[list[EventEnvelope]]) -> None:
            async with gate:
                for chunk in transactions:  # in order; the first failure stops the lane
                    await self._in_transaction(chunk)

        jobs = [lane(transactions) for transactions in split(lanes, wanted)]
        failed = [o for o in await asyncio.gather(*jobs, return_exceptions=True) if o is not None]
        if failed:
            log.info("consumer.lanes_fallback", consumer=self.name, error=repr(failed[0])[:200])
            return False
        self.handled += len(wanted)
        return True

    async def _in_transaction(self, envelopes: list[EventEnvelope]) -> None:
        """Claim the events in the inbox and handle the new ones, all in one transaction."""
        async with self._sessionmaker() as session, session.begin():
            fresh = await claim_events(
                session, table=self._inbox, consumer=self.name, event_ids=[e.id for e in envelopes]
            )
            new = []
            for envelope in envelopes:
                if envelope.id in fresh:
                    fresh.discard(envelope.id)  # a duplicate within the same poll too
                    new.append(envelope)
            await self._handle_new(new, session)

    async def _handle_new(self, envelopes: list[EventEnvelope], session: AsyncSession) -> None:
        if self._batch_handler is not None:
            # one correlation id for the whole batch only when all its events share it
            shared = {e.correlation_id for e in envelopes}
            with correlated(shared.pop() if len(shared) == 1 else None):
                await self._batch_handler(envelopes, session)
            return
        for envelope in envelopes:
            with correlated(envelope.correlation_id, event_id=envelope.id):
                await self._handler(envelope, session)

    async def _apply(self, envelope: EventEnvelope) -> None:
        if not self._accepts(envelope):
            return
        async with self._sessionmaker() as session, session.begin():
            if await claim_event(
                session, table=self._inbox, consumer=self.name, event_id=envelope.id
            ):
                with correlated(envelope.correlation_id, event_id=envelope.id):
                    await self._handler(envelope, session)
        self.handled += 1

    async def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        headers = list(record.headers or ()) + [
            ("dlq_error", error[:2000].encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_consumer", self.name.encode()),
        ]
        await send_raw(
            self._producer,
            topic=f"{record.topic}.dlq",
            key=record.key,
            value=record.value,
            headers=headers,
        )
        self.dead_lettered += 1
        DEAD_LETTERS.labels(self.name, record.topic).inc()
        log.warning(
            "consumer.dead_lettered",
            consumer=self.name,
            topic=record.topic,
            offset=record.offset,
            error=error[:200],
        )
