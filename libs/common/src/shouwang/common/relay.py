"""Outbox relay: claims unpublished rows, publishes them (acks=all), marks them sent.

One relay per service is active at a time, whatever the number of replicas: it holds a Postgres
advisory lock (a lease) named after the outbox table on a connection of its own. Rows leave in id
order, one batch after the other, so events of one key reach their partition in commit order
(two changes of one aggregate serialize on its row lock, so the later one draws the larger id).
Two concurrent relays would interleave batches. A standby polls the lock every
`standby_seconds`; a holder that dies closes its connection and the lock goes with it.
"""

import asyncio
import time
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
from shouwang.common.periodic import held_lease
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger(__name__)
LEASE_CHECK_SECONDS = 1.0


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
        standby_seconds: float = 0.5,
    ) -> None:
        self._engine = engine
        self._table = table
        self._producer = producer
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds
        self._retention_days = retention_days
        self._standby_seconds = standby_seconds
        self.lease_name = f"outbox-relay:{table.schema or 'public'}.{table.name}"
        self.published = 0
        self.active = False  # holds the lease: the one relay publishing this outbox

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
        """Relay while holding the lease, stand by while another replica does, until stopped."""
        while not stop.is_set():
            try:
                async with held_lease(self._engine, self.lease_name) as lock:
                    if lock is not None:
                        await self._lead(lock, stop)
            except Exception as exc:  # noqa: BLE001 - lost the database: stand by, retry
                log.warning("outbox.relay_lease_lost", lease=self.lease_name, error=repr(exc))
            finally:
                self.active = False
            await _wait(stop, self._standby_seconds)

    async def _lead(self, lock: AsyncConnection, stop: asyncio.Event) -> None:
        """Publish until stopped (then drain) or until the lease's connection fails."""
        self.active = True
        log.info("outbox.relay_active", lease=self.lease_name)
        backoff, checked = self._idle_seconds, time.monotonic()
        while not stop.is_set():
            try:
                sent = await self.publish_batch()
                backoff = self._idle_seconds
            except Exception as exc:  # noqa: BLE001 - broker or db outage: keep the rows, retry
                log.warning("outbox.relay_failed", error=str(exc))
                sent, backoff = 0, min(backoff * 2 + 0.1, 5.0)
            if not sent or time.monotonic() - checked > LEASE_CHECK_SECONDS:
                await _check_lease(lock)
                checked = time.monotonic()
            if not sent:
                await _wait(stop, backoff)
        await self._drain_quietly()

    async def _drain_quietly(self) -> None:
        try:
            await asyncio.wait_for(self.drain(), timeout=10)
        except Exception as exc:  # noqa: BLE001 - shutdown: pending rows stay for the next start
            log.warning("outbox.drain_incomplete", error=str(exc))


async def _check_lease(lock: AsyncConnection) -> None:
    """Raise if the lease's connection (and with it the lock) is gone."""
    await lock.execute(text("SELECT 1"))
    await lock.commit()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
