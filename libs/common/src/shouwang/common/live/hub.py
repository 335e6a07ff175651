"""One LISTEN connection per process, fanned out to every open stream through asyncio events.

A stream subscribes to a channel with a key prefix (a township, a region, or None for all) and
sleeps on its own event. A NOTIFY wakes only the streams whose prefix its key starts with; an idle
stream costs the database nothing. One per-process tick (no query) wakes the streams whose token
has expired, and notices a lost connection: it reconnects with the shared back-off (common.retry),
the tick going on meanwhile, and then wakes every stream once, since notifications sent meanwhile
are gone.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from shouwang.common.clock import Clock
from shouwang.common.config import to_plain_url
from shouwang.common.live.notify import parse_payload
from shouwang.common.retry import Backoff, Retrier, wait_or_stop

log = structlog.get_logger(__name__)
TICK_SECONDS = 1.0
# reconnecting LISTEN after a loss: from one tick up to half a minute, jittered across replicas
LISTEN_BACKOFF = Backoff(first=TICK_SECONDS, cap=30.0)


@dataclass(eq=False)
class Waker:
    """What one open stream sleeps on."""

    prefix: str | None
    expires_at: datetime | None
    event: asyncio.Event = field(default_factory=asyncio.Event)
    notified: int = 0  # the highest position notified to this stream
    stale: bool = False  # notifications may have been lost: read whatever was notified or not

    def concerns(self, key: str) -> bool:
        return self.prefix is None or key.startswith(self.prefix)

    async def wait(self) -> None:
        """Sleep until woken, then re-arm."""
        await self.event.wait()
        self.event.clear()

    def takes_read(self, after: int) -> bool:
        """Whether the wake may have brought rows after `after` (a query is worth it)."""
        stale, self.stale = self.stale, False
        return stale or self.notified > after


class LiveHub:
    """The process's LISTEN connection and the streams it wakes."""

    def __init__(
        self,
        *,
        database_url: str,
        clock: Clock,
        stopping: asyncio.Event,
        name: str = "live",
        backoff: Backoff = LISTEN_BACKOFF,
    ) -> None:
        self._dsn = to_plain_url(database_url)
        self._clock = clock
        self.stopping = stopping
        self._name = name
        self._wakers: dict[str, set[Waker]] = {}
        self._conn: asyncpg.Connection | None = None
        self._listening: set[str] = set()
        self._lock = asyncio.Lock()
        self._supervisor: asyncio.Task[None] | None = None
        self.notifications = 0
        self.outage = Retrier(backoff)  # failed reconnects in a row
        self._retry_at = 0.0  # the monotonic time before which no reconnect is tried

    @contextlib.asynccontextmanager
    async def subscribe(
        self, channel: str, *, prefix: str | None, expires_at: datetime | None
    ) -> AsyncIterator[Waker]:
        """Register a stream; LISTEN is in place before this yields (no NOTIFY is missed)."""
        waker = Waker(prefix=prefix, expires_at=expires_at)
        self._wakers.setdefault(channel, set()).add(waker)
        try:
            await self._listen(channel)
            yield waker
        finally:
            self._wakers[channel].discard(waker)

    def open_streams(self) -> int:
        """How many streams are subscribed in this process."""
        return sum(len(w) for w in self._wakers.values())

    async def _listen(self, channel: str) -> None:
        if channel in self._listening and self._conn is not None and not self._conn.is_closed():
            return
        async with self._lock:
            conn = await self._connected()
            if channel not in self._listening:
                await conn.add_listener(channel, self._on_notify)
                self._listening.add(channel)
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._supervise(), name=f"{self._name}-hub")

    async def _connected(self) -> asyncpg.Connection:
        """The LISTEN connection; a new one listens on every subscribed channel at once."""
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        restored = self._conn is not None
        conn = await asyncpg.connect(
            self._dsn, server_settings={"application_name": f"shouwang-{self._name}"}
        )
        channels = set(self._wakers)  # a stream may subscribe meanwhile: it listens for itself
        try:
            for channel in channels:
                await conn.add_listener(channel, self._on_notify)
        except BaseException:
            await conn.close()  # half listening is not connected: the next attempt starts over
            raise
        self._conn, self._listening = conn, channels
        self.outage.succeeded()
        if restored:
            # NOTE: whichever reconnects (a new stream or the tick), what was notified while the
            # connection was down is lost: every stream reads once
            log.info("live.listen_restored", channels=sorted(self._listening))
            self._wake_all(stale=True)
        return conn

    def _on_notify(self, _conn: Any, _pid: int, channel: str, raw: str) -> None:
        self.notifications += 1
        key, position = parse_payload(raw)
        for waker in self._wakers.get(channel, ()):
            if waker.concerns(key):
                waker.notified = max(waker.notified, position)
                waker.event.set()

    def _wake_all(self, *, stale: bool = False) -> None:
        for wakers in self._wakers.values():
            for waker in wakers:
                waker.stale = waker.stale or stale
                waker.event.set()

    async def _supervise(self) -> None:
        while not await wait_or_stop(self.stopping, TICK_SECONDS):
            self._wake_expired()
            if self._lost() and time.monotonic() >= self._retry_at:
                await self._reconnect()
        self._wake_all()
        if self._conn is not None:
            await self._conn.close()

    def _lost(self) -> bool:
        return self._conn is None or self._conn.is_closed()

    def _wake_expired(self) -> None:
        now = self._clock.now()
        for wakers in self._wakers.values():
            for waker in wakers:
                if waker.expires_at is not None and now >= waker.expires_at:
                    waker.event.set()

    async def _reconnect(self) -> None:
        try:
            async with self._lock:
                await self._connected()
        except (OSError, asyncpg.PostgresError) as exc:
            delay = self.outage.next_delay()
            self._retry_at = time.monotonic() + delay
            log.warning(
                "live.listen_retry",
                attempt=self.outage.failures,
                retry_in=round(delay, 2),
                error=repr(exc),
            )


def live_hub(app: Any, runtime: Any) -> LiveHub:
    """The app's hub (made on first use), bound to the runtime that owns `stopping`."""
    hub: LiveHub | None = getattr(app.state, "live_hub", None)
    if hub is None or hub.stopping is not runtime.stopping:
        hub = LiveHub(
            database_url=runtime.settings.database_url,
            clock=runtime.clock,
            stopping=runtime.stopping,
            name=f"{runtime.settings.service_name}-live",
        )
        app.state.live_hub = hub
    return hub
