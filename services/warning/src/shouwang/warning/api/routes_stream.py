"""Live task feed per township (SSE), resumable with Last-Event-ID."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.tokens import InvalidToken, verify_token
from shouwang.common.errors import ApiError
from shouwang.common.service import ServiceRuntime
from shouwang.warning.adapters.tables import task_feed
from sqlalchemy import select

router = APIRouter(prefix="/api/v1/townships", tags=["live stream"])
POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0


def _principal(request: Request, authorization: str | None, token: str | None) -> Principal:
    raw = token or (authorization or "").removeprefix("Bearer ").strip()
    if not raw:
        raise ApiError(401, "unauthenticated", "缺少访问令牌")
    try:
        return verify_token(request.app.state.settings, raw)
    except InvalidToken:
        raise ApiError(401, "invalid_token", "访问令牌无效或已过期") from None


@router.get("/{township_code}/tasks/stream")
async def stream_township_tasks(
    request: Request,
    township_code: str,
    authorization: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    token: Annotated[
        str | None, Query(description="for EventSource, which cannot set headers")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000, description="close after n events")] = None,
) -> StreamingResponse:
    """Server-sent events of the township's tasks (created, assigned, reported, overdue …)."""
    principal = _principal(request, authorization, token)
    if principal.role not in ("township", "county", "province", "auditor") or not principal.covers(
        township_code
    ):
        raise ApiError(403, "forbidden_scope", "无权订阅其他乡镇的任务")
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    runtime: ServiceRuntime = request.app.state.runtime
    return StreamingResponse(
        _events(request, runtime, township_code, start, limit),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request, runtime: ServiceRuntime, township: str, after: int, limit: int | None
) -> AsyncIterator[str]:
    idle, remaining = 0.0, limit or -1
    while remaining and not await request.is_disconnected():
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
