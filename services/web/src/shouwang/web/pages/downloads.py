"""Pass a file from a service through to the browser (the browser has no bearer header)."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

from shouwang.web.client import Api
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

_PASSED = ("content-type", "content-disposition")


async def passthrough(
    api: Api, service: str, path: str, *, body: Any = None, **params: str
) -> Response:
    """Fetch a file with the user's token (POST when it takes a body); hand over name and type."""
    method, extra = ("GET", {}) if body is None else ("POST", {"json": body})
    upstream = await api.request(service, method, path, params=params, **extra)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED}
    headers["Cache-Control"] = "no-store"
    return Response(upstream.content, headers=headers)


async def stream_through(api: Api, service: str, path: str, **params: str) -> StreamingResponse:
    """Hand a file over chunk by chunk while the service still writes it (big exports): an
    error before the first byte is the service's error page, never a broken file."""
    stack = AsyncExitStack()
    upstream = await stack.enter_async_context(api.stream(service, path, params=params))
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED}
    headers["Cache-Control"] = "no-store"

    async def body() -> AsyncIterator[bytes]:
        async with stack:
            async for chunk in upstream.aiter_bytes():
                yield chunk

    # NOTE: the background task closes the upstream when the browser left before the body ran
    return StreamingResponse(body(), headers=headers, background=BackgroundTask(stack.aclose))
