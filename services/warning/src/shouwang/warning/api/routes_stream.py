"""Live task feed per township (SSE), resumable with Last-Event-ID; ends when the token does."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from shouwang.common.auth.stream_tickets import stream_grant, stream_ticket_router
from shouwang.common.failures import Forbidden
from shouwang.common.live.sse import Feed, live_response, position_of
from shouwang.warning.adapters import feed as task_feed
from shouwang.warning.adapters.repository import FEED_CHANNEL
from shouwang.warning.adapters.tables import stream_tickets
from shouwang.warning.runtime import WarningRuntime
from sse_starlette import EventSourceResponse

router = APIRouter(tags=["live stream"])
router.include_router(stream_ticket_router(stream_tickets))
STREAM_ROLES = ("township", "county", "province", "auditor")


@router.get("/api/v1/townships/{township_code}/tasks/stream")
async def stream_township_tasks(
    request: Request,
    township_code: str,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[
        int | None,
        Query(ge=0, description="start after this position (a task list's feed_position)"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000, description="close after n events")] = None,
) -> EventSourceResponse:
    """Server-sent events of the township's tasks, from the feed's start unless Last-Event-ID (or
    `after`) says where; auth: header, session cookie or `?ticket=`."""
    grant = await stream_grant(request, table=stream_tickets)
    principal = grant.principal
    if principal.role not in STREAM_ROLES or not principal.covers(township_code):
        raise Forbidden("无权订阅其他乡镇的任务", code="forbidden_scope")
    runtime: WarningRuntime = request.app.state.runtime
    feed = Feed(FEED_CHANNEL, township_code, task_feed.reader(runtime.engine, township_code))
    start = position_of(last_event_id)
    start = start if start is not None else (after or 0)
    return live_response(request, runtime=runtime, grant=grant, feed=feed, after=start, limit=limit)
