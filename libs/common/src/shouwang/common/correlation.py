"""Correlation id: taken from (or given to) an HTTP request, carried by every event it causes.

It lives in structlog's contextvars, so every log line while a request or an event is handled
names it, and `new_envelope` stamps it on the events staged meanwhile (`ce_correlationid`).
"""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-correlation-id"
KEY = "correlation_id"
# a caller's id is echoed into logs and headers: accept only a short, plain token
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_correlation_id() -> str | None:
    """The correlation id bound to the running request or event, if any."""
    value = structlog.contextvars.get_contextvars().get(KEY)
    return str(value) if value else None


@contextmanager
def correlated(correlation_id: str | None, **more: object) -> Iterator[None]:
    """Bind the correlation id (when there is one) and `more` for the block."""
    values = {KEY: correlation_id, **more} if correlation_id else dict(more)
    with structlog.contextvars.bound_contextvars(**values):
        yield


def request_correlation_id(scope: Scope) -> str:
    """The caller's `X-Correlation-ID` if it is acceptable, else a fresh one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            text: str = value.decode("latin-1")
            if _ACCEPTED.fullmatch(text):
                return text
    return uuid.uuid4().hex


class CorrelationId:
    """ASGI middleware: bind the request's correlation id and echo it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = request_correlation_id(scope)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                headers.append((HEADER.encode(), correlation_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        with correlated(correlation_id):
            await self.app(scope, receive, send_with_header)
