"""Live event stream (SSE) for subscribers: scoped to the caller, resumable by log position."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from shouwang.audit.adapters.tables import audit_log
from shouwang.audit.api.deps import Reader, RuntimeDep, region_filter
from shouwang.audit.config import AuditSettings
from shouwang.audit.service.queries import EventFilter, event_view, filtered
from shouwang.common.service import ServiceRuntime
from sqlalchemy import func, select

router = APIRouter(prefix="/api/v1/events", tags=["stream"])
BATCH = 200
KEEPALIVE_SECONDS = 15.0


@router.get("/stream")
async def stream(
    request: Request, principal: Reader, runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> StreamingResponse:
    """Audit events as SSE (`id` = log position); resume with Last-Event-ID (or `after`)."""
    start = after if after is not None else _position(last_event_id)
    if start is None:
        start = await _head(runtime)
    flt = EventFilter(region=region_filter(principal), after=start)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_events(request, runtime, flt, limit), media_type="text/event-stream",
                             headers=headers)


def _position(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


async def _head(runtime: ServiceRuntime) -> int:
    async with runtime.engine.connect() as conn:
        return int((await conn.execute(select(func.coalesce(func.max(audit_log.c.position), 0))))
                   .scalar_one())


async def _events(request: Request, runtime: ServiceRuntime, flt: EventFilter,
                  limit: int | None) -> AsyncIterator[bytes]:
    settings = runtime.settings
    assert isinstance(settings, AuditSettings)
    stop: asyncio.Event = runtime.state.get("stop") or asyncio.Event()
    sent, idle = 0, 0.0
    yield b": connected\n\n"
    while not stop.is_set() and not await request.is_disconnected():
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
