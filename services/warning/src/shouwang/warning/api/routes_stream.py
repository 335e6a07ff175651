"""Live task feed per township (SSE), resumable with Last-Event-ID; ends when the token does."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from shouwang.common.auth.stream_tickets import StreamGrant, stream_grant, stream_ticket_router
from shouwang.common.failures import Forbidden
from shouwang.warning.adapters.tables import stream_tickets, task_feed
from shouwang.warning.runtime import WarningRuntime
from sqlalchemy import select

router = APIRouter(tags=["live stream"])
router.include_router(stream_ticket_router(stream_tickets))
POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
STREAM_ROLES = ("township", "county", "province", "auditor")
EXPIRED = json.dumps({"message": "访问令牌已过期，实时推送已关闭，请重新登录"}, ensure_ascii=False)


@router.get("/api/v1/townships/{township_code}/tasks/stream")
async def stream_township_tasks(
    request: Request,
    township_code: str,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000, description="close after n events")] = None,
) -> StreamingResponse:
    """Server-sent events of the township's tasks; auth: header, session cookie or `?ticket=`."""
    grant = await stream_grant(request, table=stream_tickets)
    principal = grant.principal
    if principal.role not in STREAM_ROLES or not principal.covers(township_code):
        raise Forbidden("无权订阅其他乡镇的任务", code="forbidden_scope")
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    runtime: WarningRuntime = request.app.state.runtime
    return StreamingResponse(
        _events(request, runtime, grant, township_code, start, limit),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request,
    runtime: WarningRuntime,
    grant: StreamGrant,
    township: str,
    after: int,
    limit: int | None,
) -> AsyncIterator[str]:
    idle, remaining = 0.0, limit or -1
    yield ": connected\n\n"
    while remaining and not await request.is_disconnected():
        if grant.expired(runtime.clock.now()):
            yield f"event: expired\ndata: {EXPIRED}\n\n"
            return
        async with runtime.sessionmaker() as session:
            rows = (
                (
                    await session.execute(
                        select(task_feed)
                        .where(task_feed.c.township_code == township, task_feed.c.id > after)
                        .order_by(task_feed.c.id)
                        .limit(remaining if remaining > 0 else 500)
                    )
                )
                .mappings()
                .all()
            )
        for row in rows:
            after, remaining = row["id"], remaining - 1
            data = json.dumps(row["payload"], ensure_ascii=False)
            yield f"id: {after}\nevent: {row['event_type']}\ndata: {data}\n\n"
        if rows:
            idle = 0.0
            continue
        idle += POLL_SECONDS
        if idle >= HEARTBEAT_SECONDS:
            idle = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)
