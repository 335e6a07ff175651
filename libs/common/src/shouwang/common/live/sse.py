"""A live feed as server-sent events: resumable by position, woken by NOTIFY, ends with the token.

The stream reads the database once at start and then only when its hub wakes it (a NOTIFY for its
key, a lost LISTEN connection). It sends keep-alive comments, and ends when the app stops
(`runtime.stopping`), when the token behind its grant expires, or after `limit` events.
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from shouwang.common.auth.stream_tickets import StreamGrant
from shouwang.common.live.hub import LiveHub, live_hub
from sse_starlette import EventSourceResponse, ServerSentEvent

KEEPALIVE_SECONDS = 15.0
BATCH = 200
EXPIRED = json.dumps({"message": "访问令牌已过期，实时推送已关闭，请重新登录"}, ensure_ascii=False)


@dataclass(frozen=True)
class LiveEvent:
    """One event of a feed; `id` is its position, the client's Last-Event-ID."""

    id: int
    data: str
    event: str | None = None


# rows strictly after a position, in position order, at most `limit` of them
Fetch = Callable[[int, int], Awaitable[Sequence[LiveEvent]]]


@dataclass(frozen=True)
class Feed:
    """Where a stream's events come from and which notifications concern it."""

    channel: str
    prefix: str | None  # key prefix of the notifications that wake it; None: all of them
    fetch: Fetch


def position_of(last_event_id: str | None) -> int | None:
    """The position a client resumes after (its Last-Event-ID), if it sent a valid one."""
    value = (last_event_id or "").strip()
    return int(value) if value.isdigit() else None


def live_response(
    request: Request,
    *,
    runtime: Any,
    grant: StreamGrant,
    feed: Feed,
    after: int,
    limit: int | None = None,
    keepalive: float = KEEPALIVE_SECONDS,
) -> EventSourceResponse:
    """The SSE response of a feed, from position `after` on."""
    hub = live_hub(request.app, runtime)
    return EventSourceResponse(
        _events(hub, runtime, grant, feed, after, limit),
        ping=keepalive,
        sep="\n",
        ping_message_factory=lambda: ServerSentEvent(comment="keep-alive", sep="\n"),
        headers={"Cache-Control": "no-cache"},
    )


async def _events(
    hub: LiveHub, runtime: Any, grant: StreamGrant, feed: Feed, after: int, limit: int | None
) -> AsyncIterator[dict[str, Any]]:
    yield {"comment": "connected"}
    remaining = limit
    async with hub.subscribe(feed.channel, prefix=feed.prefix, expires_at=grant.expires_at) as w:
        unread = True  # at start, and after a full batch: there may be more
        while not runtime.stopping.is_set():
            if grant.expired(runtime.clock.now()):
                yield {"event": "expired", "data": EXPIRED}
                return
            if unread:
                size = min(remaining or BATCH, BATCH)
                batch = await feed.fetch(after, size)
                for item in batch:
                    yield {"id": str(item.id), "event": item.event, "data": item.data}
                    after = item.id
                if remaining is not None:
                    remaining -= len(batch)
                    if remaining <= 0:
                        return
                if len(batch) == size:
                    continue
            await w.wait()
            unread = w.takes_read(after)
