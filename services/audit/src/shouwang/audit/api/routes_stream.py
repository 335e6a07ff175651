"""Live event stream (SSE): scoped to the caller, resumable by position, ends with the token."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from shouwang.audit.adapters.tables import audit_log, stream_tickets
from shouwang.audit.api.deps import RuntimeDep, region_filter, stream_reader
from shouwang.audit.runtime import AuditRuntime
from shouwang.audit.service.queries import EventFilter, event_view, filtered
from shouwang.common.auth.stream_tickets import StreamGrant, stream_ticket_router
from sqlalchemy import func, select

router = APIRouter(tags=["stream"])
router.include_router(stream_ticket_router(stream_tickets))
BATCH = 200
KEEPALIVE_SECONDS = 15.0
EXPIRED = json.dumps({"message": "访问令牌已过期，实时推送已关闭，请重新登录"}, ensure_ascii=False)
StreamReader = Annotated[StreamGrant, Depends(stream_reader)]


@router.get("/api/v1/events/stream")
async def stream(
    request: Request,
    grant: StreamReader,
    runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> StreamingResponse:
    """Audit events as SSE (`id` = log position); resume with Last-Event-ID (or `after`).

    Auth: the Authorization header, the workbench's session cookie, or a one-use `?ticket=`.
    """
    start = after if after is not None else _position(last_event_id)
    if start is None:
        start = await _head(runtime)
    flt = EventFilter(region=region_filter(grant.principal), after=start)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _events(request, runtime, grant, flt, limit),
        media_type="text/event-stream",
        headers=headers,
    )


def _position(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


async def _head(runtime: AuditRuntime) -> int:
    async with runtime.engine.connect() as conn:
        return int(
            (
                await conn.execute(select(func.coalesce(func.max(audit_log.c.position), 0)))
            ).scalar_one()
        )


async def _events(
    request: Request, runtime: AuditRuntime, grant: StreamGrant, flt: EventFilter, limit: int | None
) -> AsyncIterator[bytes]:
    settings = runtime.settings
    stop = runtime.stopping
    sent, idle = 0, 0.0
    yield b": connected\n\n"
    while not stop.is_set() and not await request.is_disconnected():
        if grant.expired(runtime.clock.now()):
            yield f"event: expired\ndata: {EXPIRED}\n\n".encode()
            return
        async with runtime.engine.connect() as conn:
            rows = (await conn.execute(filtered(flt).limit(BATCH))).mappings().all()
        for row in rows:
            item = event_view(row)
            data = json.dumps(item, ensure_ascii=False)
            yield f"id: {row['position']}\ndata: {data}\n\n".encode()
            sent += 1
            if limit is not None and sent >= limit:
                return
        if rows:
            flt = EventFilter(region=flt.region, after=rows[-1]["position"])
            idle = 0.0
            continue
        idle += settings.stream_poll_seconds
        if idle >= KEEPALIVE_SECONDS:
            idle = 0.0
            yield b": keepalive\n\n"
        try:
            await asyncio.wait_for(stop.wait(), settings.stream_poll_seconds)
        except TimeoutError:
            pass
