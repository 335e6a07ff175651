"""Refuse a NUL character in the query string before any route runs (pure ASGI middleware).

Postgres text cannot hold NUL; a filter carrying one would fail inside the database, and in a
streamed export only after the response has started. One check at the edge answers 422 instead.
"""

from urllib.parse import parse_qsl

from shouwang.common.errors import error_body
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class QueryGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (field := _nul_field(scope.get("query_string", b""))):
            body = error_body("invalid_value", f"{field}: 参数中含有无法处理的空字符", field)
            await JSONResponse(body, status_code=422)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _nul_field(raw: bytes) -> str | None:
    """The first query parameter whose name or value holds a NUL, if any."""
    if b"%00" not in raw.lower() and b"\x00" not in raw:
        return None
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return next((k.replace("\x00", "") or "query" for k, v in pairs if "\x00" in k + v), "query")
