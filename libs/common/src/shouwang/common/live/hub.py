"""One LISTEN connection per process, fanned out to every open stream through asyncio events.

A stream subscribes to a channel with a key prefix (a township, a region, or None for all) and
sleeps on its own event. A NOTIFY wakes only the streams whose prefix its key starts with; an idle
stream costs the database nothing. One per-process tick (no query) wakes the streams whose token
has expired, and notices a lost connection: after reconnecting it wakes every stream once, since
notifications sent meanwhile are gone.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from shouwang.common.clock import Clock
from shouwang.common.config import to_plain_url
from shouwang.common.live.notify import parse_payload

log = structlog.get_logger(__name__)
TICK_SECONDS = 1.0


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
        self, *, database_url: str, clock: Clock, stopping: asyncio.Event, name: str = "live"
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
        if self._conn is None or self._conn.is_closed():
            self._listening.clear()
            self._conn = await asyncpg.connect(
                self._dsn, server_settings={"application_name": f"shouwang-{self._name}"}
            )
        return self._conn

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
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), TICK_SECONDS)
            self._wake_expired()
            if not self.stopping.is_set() and (self._conn is None or self._conn.is_closed()):
                await self._reconnect()
        self._wake_all()
        if self._conn is not None:
            await self._conn.close()

    def _wake_expired(self) -> None:
        now = self._clock.now()
        for wakers in self._wakers.values():
            for waker in wakers:
                if waker.expires_at is not None and now >= waker.expires_at:
                    waker.event.set()

    async def _reconnect(self) -> None:
        try:
            async with self._lock:
                conn = await self._connected()
                for channel in self._wakers:
                    await conn.add_listener(channel, self._on_notify)
                    self._listening.add(channel)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("live.listen_retry", error=repr(exc))
            return
        log.info("live.listen_restored", channels=sorted(self._listening))
        self._wake_all(stale=True)  # what was notified while the connection was down is lost


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
