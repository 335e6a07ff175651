"""Township officer: task list with colours and filters, bulk assign, detail, confirm, live feed."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from shouwang.web.client import Api, UpstreamError, seg
from shouwang.web.places import villages_of
from shouwang.web.render import page
from shouwang.web.session import TownshipSession
from starlette.responses import Response

router = APIRouter(prefix="/township", include_in_schema=False)
FILTERS = ("status", "village_code", "channel", "colour")
# rows a page renders, newest first (a task announced by the live feed lands on the first page);
# the next page follows the API's keyset cursor
PAGE_SIZE = 50


def _page_no(request: Request) -> int:
    """The page's number (shown only: the cursor says where the page starts)."""
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _next_query(query: str, cursor: str, page_no: int) -> str:
    """The next page's query string: the same filters, the cursor, the page's number."""
    return "&".join(q for q in (query, urlencode({"cursor": cursor, "page": page_no})) if q)


async def _list_page(
    request: Request,
    session: TownshipSession,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    filters = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    cursor = request.query_params.get("cursor") or None
    found = await session.api.get(
        "warning", "/api/v1/tasks", limit=PAGE_SIZE, cursor=cursor, order="newest", **filters
    )
    township = session.principal.scope
    query = urlencode({k: v for k, v in filters.items() if v})
    page_no = _page_no(request) if cursor else 1
    following = found.get("next_cursor")
    return page(
        request,
        "township.html",
        {
            "tasks": found["items"],
            "filters": filters,
            "query": query,
            "page_no": page_no,
            "page_size": PAGE_SIZE,
            "next_query": _next_query(query, following, page_no + 1) if following else None,
            "villages": villages_of(township),
            "township": township,
            "errors": errors or {},
            "form": form or {},
            "count": request.query_params.get("n"),
            # the live feed opens where this page's snapshot was read: no replay of older events
            "stream_url": f"/township/stream?{urlencode({'after': found['feed_position']})}",
        },
        status=status,
    )


@router.get("")
async def township_home(request: Request, session: TownshipSession) -> Response:
    """The township's tasks."""
    return await _list_page(request, session)


@router.post("/assign")
async def assign(request: Request, session: TownshipSession) -> Response:
    """Assign the ticked tasks to one village (one API call per task; failures are listed)."""
    form = await request.form()
    task_ids = [str(t) for t in form.getlist("task_id")]
    village = str(form.get("village_code") or "").strip()
    cadre = str(form.get("cadre_name") or "").strip() or None
    values = {"village_code": village, "cadre_name": cadre or "", "task_ids": task_ids}
    if not task_ids:
        return await _list_page(
            request, session, errors={"task_id": "请至少勾选一个任务"}, form=values, status=422
        )
    failures = await _assign_each(session.api, task_ids, village, cadre)
    if not failures:
        # back to the list the officer was looking at, filters kept (the form posts them along)
        kept = {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}
        back = urlencode({**kept, "ok": "assigned", "n": len(task_ids)})
        return RedirectResponse(f"/township?{back}", status_code=303)
    field = next((f for f, _ in failures.values() if f == "village_code"), None)
    errors = (
        {"village_code": failures[next(iter(failures))][1]}
        if field
        else {"task_id": "；".join(f"任务 {t[:8]}：{m}" for t, (_, m) in failures.items())}
    )
    return await _list_page(request, session, errors=errors, form=values, status=422)


async def _assign_each(
    api: Api, task_ids: list[str], village: str, cadre: str | None
) -> dict[str, tuple[str | None, str]]:
    failures: dict[str, tuple[str | None, str]] = {}
    for task_id in task_ids:
        try:
            await api.post(
                "warning",
                f"/api/v1/tasks/{seg(task_id)}/assign",
                {"village_code": village, "cadre_name": cadre},
            )
        except UpstreamError as exc:
            if exc.status == 401:
                raise
            failures[task_id] = (exc.field, exc.message)
    return failures


async def _detail(
    request: Request,
    session: TownshipSession,
    task_id: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    task = await session.api.get("warning", f"/api/v1/tasks/{seg(task_id)}")
    return page(
        request,
        "task_detail.html",
        {"task": task, "error": error, "villages": villages_of(session.principal.scope)},
        status=status,
    )


@router.get("/tasks/{task_id}")
async def task_detail(request: Request, session: TownshipSession, task_id: str) -> Response:
    """A task with every signal and its history."""
    return await _detail(request, session, task_id)


@router.post("/tasks/{task_id}/confirm")
async def confirm(request: Request, session: TownshipSession, task_id: str) -> Response:
    """Confirm the village's report."""
    try:
        await session.api.post("warning", f"/api/v1/tasks/{seg(task_id)}/confirm")
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        return await _detail(request, session, task_id, exc.message, status=exc.status)
    return RedirectResponse(f"/township/tasks/{seg(task_id)}?ok=confirmed", status_code=303)


@router.get("/stream")
async def stream(
    session: TownshipSession,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> StreamingResponse:
    """The township's live task feed, relayed from the warning service (SSE), from `after` (the
    page's position) unless the browser resumes with Last-Event-ID."""
    path = f"/api/v1/townships/{seg(session.principal.scope)}/tasks/stream"
    if after is not None:
        path += f"?after={after}"
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    return StreamingResponse(
        _relay(session.api, path, headers),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _relay(api: Api, path: str, headers: dict[str, str]) -> AsyncIterator[bytes]:
    yield b"retry: 3000\n\n"
    try:
        async with api.stream("warning", path, headers) as resp:
            async for chunk in resp.aiter_raw():
                yield chunk
    except UpstreamError as exc:
        body = json.dumps({"message": exc.message}, ensure_ascii=False)
        yield f"event: upstream_error\ndata: {body}\n\n".encode()
    except httpx.HTTPError:
        return  # the browser reconnects with Last-Event-ID
