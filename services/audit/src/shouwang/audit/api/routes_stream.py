"""Live event stream (SSE): scoped to the caller, resumable by position, ends with the token."""

import json
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from shouwang.audit.adapters.tables import stream_tickets
from shouwang.audit.api.deps import RuntimeDep, region_filter, stream_reader
from shouwang.audit.runtime import AuditRuntime
from shouwang.audit.service.chain import LOG_CHANNEL
from shouwang.audit.service.queries import events_after, log_head
from shouwang.common.auth.stream_tickets import StreamGrant, stream_ticket_router
from shouwang.common.live.sse import Feed, Fetch, LiveEvent, live_response, position_of
from sse_starlette import EventSourceResponse

router = APIRouter(tags=["stream"])
router.include_router(stream_ticket_router(stream_tickets))
StreamReader = Annotated[StreamGrant, Depends(stream_reader)]


@router.get("/api/v1/events/stream")
async def stream(
    request: Request,
    grant: StreamReader,
    runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> EventSourceResponse:
    """Audit events as SSE (`id` = log position); resume with Last-Event-ID (or `after`).

    Auth: the Authorization header, the workbench's session cookie, or a one-use `?ticket=`.
    """
    start = after if after is not None else position_of(last_event_id)
    if start is None:
        start = await log_head(runtime.engine)
    region = region_filter(grant.principal)
    feed = Feed(LOG_CHANNEL, _key_prefix(region), _reader(runtime, region))
    return live_response(request, runtime=runtime, grant=grant, feed=feed, after=start, limit=limit)


def _key_prefix(region: str | None) -> str | None:
    # notification keys are townships (9 digits) or counties; a village reads its township's
    return region[:9] if region is not None and len(region) > 6 else region


def _reader(runtime: AuditRuntime, region: str | None) -> Fetch:
    async def fetch(after: int, size: int) -> Sequence[LiveEvent]:
        found = await events_after(runtime.engine, region=region, after=after, size=size)
        return [LiveEvent(at, json.dumps(view, ensure_ascii=False)) for at, view in found]

    return fetch
