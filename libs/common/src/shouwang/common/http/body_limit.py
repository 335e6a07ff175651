"""Per-route request body limits, enforced while the body streams in (pure ASGI middleware).

A declared Content-Length over the limit is refused before the app runs. Otherwise the body is
counted chunk by chunk as the app reads it: the chunk that crosses the limit raises inside the
app's read, whatever the app then sends is dropped, and the client gets the 413 in the error
model. Nothing is buffered here, so a chunked upload of any size costs at most one chunk.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from shouwang.common.errors import error_body
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class Limit:
    """At most `max_bytes` of body on `path` (or under it, with `prefix`)."""

    path: str
    max_bytes: int
    what: str = "请求内容"
    hint: str = ""
    prefix: bool = False

    def matches(self, path: str) -> bool:
        return path == self.path or (self.prefix and path.startswith(self.path))

    def message(self) -> str:
        hint = f"，{self.hint}" if self.hint else ""
        return f"{self.what}过大（上限 {human_size(self.max_bytes)}）{hint}"


def human_size(size: int) -> str:
    """A byte count as the clerk reads it: 32 KB, 64 MB."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} 字节"


class BodyTooLarge(Exception):
    """Raised into the app's body read once the body crosses its limit."""


class BodyLimit:
    """Refuse request bodies over their route's limit with 413, without buffering them."""

    def __init__(self, app: ASGIApp, *, limits: Sequence[Limit]) -> None:
        self.app = app
        # the most specific route wins: an exact upload path over its prefix
        self.limits = sorted(limits, key=lambda limit: len(limit.path), reverse=True)

    def limit_for(self, scope: Scope) -> Limit | None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            return None
        return next((lim for lim in self.limits if lim.matches(scope["path"])), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > limit.max_bytes:
            await _refuse(limit, scope, receive, send)
            return
        guard = _Guard(limit, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except BodyTooLarge:
            if guard.started:
                raise
        if guard.tripped and not guard.started:
            await _refuse(limit, scope, receive, send)


class _Guard:
    """Counts the body as the app reads it; once over the limit, mutes the app's response."""

    def __init__(self, limit: Limit, receive: Receive, send: Send) -> None:
        self.limit, self._receive, self._send = limit, receive, send
        self.seen, self.tripped, self.started = 0, False, False

    async def receive(self) -> Message:
        if self.tripped:
            raise BodyTooLarge(self.limit.path)
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit.max_bytes:
                self.tripped = True
                raise BodyTooLarge(self.limit.path)
        return message

    async def send(self, message: Message) -> None:
        if self.tripped:
            return  # whatever the app made of the interrupted read (often a 400) is replaced
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return 0


async def _refuse(limit: Limit, scope: Scope, receive: Receive, send: Send) -> None:
    body = error_body("payload_too_large", limit.message(), details={"max_bytes": limit.max_bytes})
    response = JSONResponse(body, status_code=413, headers={"Connection": "close"})
    await response(scope, receive, send)
