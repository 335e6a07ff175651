"""The outbox relay on an event loop of its own, in a thread of the service's process.

NOTE: a busy consumer runs long stretches of Python between two awaits (routing plans a pushed
batch of 2,000 items at once). On the shared loop every await of the relay (claim, acks, mark,
commit) waited behind such a stretch, so the topic trailed the database by tens of seconds in a
province-month. In a thread the interpreter hands it the GIL within its switch interval (5 ms)
instead. Engine and producer are the thread's own: neither may cross event loops.
"""

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable

import structlog
from shouwang.common.config import CommonSettings
from shouwang.common.db.engine import build_engine
from shouwang.common.kafka.producer import build_producer
from shouwang.common.relay import OutboxRelay
from shouwang.common.retry import Backoff, Retrier
from sqlalchemy import Table

log = structlog.get_logger(__name__)
# the lease's connection and the batch's
RELAY_CONNECTIONS = 2
PRODUCER_BACKOFF = Backoff(first=0.2, cap=5.0)


class RelayThread:
    """Runs `OutboxRelay.run` for one outbox until `stop()`; the service's loop stays free."""

    def __init__(self, settings: CommonSettings, table: Table) -> None:
        self._settings = settings
        self._table = table
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stop_requested = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"relay-{table.name}", daemon=True)
        self.relay: OutboxRelay | None = None  # set once the thread's producer has started

    @property
    def published(self) -> int:
        return self.relay.published if self.relay else 0

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    async def stop(self) -> None:
        """Ask the relay to drain and stop, and wait for the thread without blocking the loop."""
        self._stop_requested.set()
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # its loop has already ended
                self._loop.call_soon_threadsafe(self._stop.set)
        await asyncio.to_thread(self._thread.join)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # a thread's exception would otherwise vanish unlogged
            log.error("outbox.relay_thread_died", table=self._table.name, error=repr(exc))
            raise

    async def _serve(self) -> None:
        stop = asyncio.Event()
        self._stop, self._loop = stop, asyncio.get_running_loop()
        if self._stop_requested.is_set():  # stop() came before this loop existed
            stop.set()
        settings = self._settings
        engine = build_engine(
            settings.database_url,
            pool_size=RELAY_CONNECTIONS,
            overflow=0,
            pre_ping=settings.db_pool_pre_ping,
        )
        producer = build_producer(
            settings.kafka_bootstrap_servers, **settings.kafka_client_options()
        )
        try:
            if await _started(producer.start, stop):
                self.relay = OutboxRelay(
                    engine=engine,
                    table=self._table,
                    producer=producer,
                    batch_size=settings.relay_batch_size,
                    idle_seconds=settings.relay_idle_seconds,
                    retention_days=settings.outbox_retention_days,
                )
                await self.relay.run(stop)
        finally:
            await producer.stop()
            await engine.dispose()


async def _started(start: Callable[[], Awaitable[None]], stop: asyncio.Event) -> bool:
    """Start the producer, retrying while the broker is away; False if stopped first."""
    attempts = Retrier(PRODUCER_BACKOFF, stop=stop)
    while not stop.is_set():
        try:
            await start()
            return True
        except Exception as exc:  # noqa: BLE001 - the broker is not up yet: retry until stopped
            log.warning("outbox.relay_producer_start_retry", error=repr(exc))
            await attempts.pause()
    return False
