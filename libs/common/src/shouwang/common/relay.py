"""Outbox relay: claims unpublished rows, publishes them (acks=all), marks them sent."""

import asyncio
from datetime import UTC, datetime

import structlog
from aiokafka import AIOKafkaProducer
from shouwang.common.db.outbox import (
    claim_unpublished,
    mark_published,
    purge_published,
    retention_cutoff,
)
from shouwang.common.events.envelope import row_to_kafka
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        table: Table,
        producer: AIOKafkaProducer,
        batch_size: int = 500,
        idle_seconds: float = 0.05,
        retention_days: int = 7,
    ) -> None:
        self._engine = engine
        self._table = table
        self._producer = producer
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds
        self._retention_days = retention_days
        self.published = 0

    async def publish_batch(self) -> int:
        """Publish one batch of pending rows; return how many were sent."""
        async with self._engine.begin() as conn:
            rows = await claim_unpublished(conn, table=self._table, limit=self._batch_size)
            if not rows:
                return 0
            futures = []
            for row in rows:
                key, value, headers = row_to_kafka(row)
                futures.append(
                    await self._producer.send(
                        str(row["topic"]), value=value, key=key, headers=headers
                    )
                )
            await asyncio.gather(*futures)
            ids = [int(str(row["id"])) for row in rows]
            await mark_published(conn, table=self._table, ids=ids, at=datetime.now(UTC))
        self.published += len(rows)
        return len(rows)

    async def drain(self) -> int:
        """Publish until nothing is pending."""
        total = 0
        while sent := await self.publish_batch():
            total += sent
        return total

    async def purge(self) -> int:
        """Drop published rows older than the retention period."""
        async with self._engine.begin() as conn:
            cutoff = retention_cutoff(datetime.now(UTC), self._retention_days)
            return await purge_published(conn, table=self._table, older_than=cutoff)

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until stopped, then drain what is pending."""
        backoff = self._idle_seconds
        while not stop.is_set():
            try:
                sent = await self.publish_batch()
                backoff = self._idle_seconds
            except Exception as exc:  # noqa: BLE001 - broker or db outage: keep the rows, retry
                log.warning("outbox.relay_failed", error=str(exc))
                sent, backoff = 0, min(backoff * 2 + 0.1, 5.0)
            if not sent:
                await _wait(stop, backoff)
        await self._drain_quietly()

    async def _drain_quietly(self) -> None:
        try:
            await asyncio.wait_for(self.drain(), timeout=10)
        except Exception as exc:  # noqa: BLE001 - shutdown: pending rows stay for the next start
            log.warning("outbox.drain_incomplete", error=str(exc))


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
