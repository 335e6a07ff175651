"""The village client offline (DESIGN "Village client offline"): the service worker, the list of
masked pages it keeps for the cadre's village, and the JSON endpoints the device's queue replays.

The queue's POSTs carry the page's CSRF token in `X-CSRF-Token` and the session cookie; each one
carries the `Idempotency-Key` made on the device when the cadre recorded it. Answers are JSON, so
the queue can tell sent, conflict (shown to the cadre, kept) and try-again apart.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from shouwang.common.http.idempotency_key import KEY_MAX
from shouwang.web.client import Api, UpstreamError, seg
from shouwang.web.pages.households import upstream_messages
from shouwang.web.pages.village import OPEN, report_body
from shouwang.web.pages.visits import VISITED, result_of, visit_body
from shouwang.web.session import LoginRequired, UserSession, WrongRole, read_session
from starlette.datastructures import FormData
from starlette.responses import Response

router = APIRouter(include_in_schema=False)


@router.get("/sw.js")
async def service_worker(request: Request) -> Response:
    """The service worker, from the site root so that it may control the village pages."""
    static = request.app.state.static_dir
    return FileResponse(
        static / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


def _village(request: Request) -> UserSession | JSONResponse:
    """The village cadre's session, or the JSON answer the queue understands."""
    try:
        session = read_session(request)
    except LoginRequired as exc:
        return _answer(401, code="login_required", message=exc.message)
    if session.principal.role != "village":
        return _answer(403, code="wrong_role", message=WrongRole(session.principal.role).message)
    return session


def _answer(status: int, **body: Any) -> JSONResponse:
    ok = 200 <= status < 300
    return JSONResponse(
        {"ok": ok, **body}, status_code=status, headers={"Cache-Control": "no-store"}
    )


@router.get("/village/offline/pages")
async def offline_pages(request: Request) -> JSONResponse:
    """The masked pages to keep on the device: [url to fetch, url it answers offline]."""
    session = _village(request)
    if isinstance(session, JSONResponse):
        return session
    tasks = await session.api.get("warning", "/api/v1/tasks", limit=200)
    found = await session.api.get("assistance", "/api/v1/households", limit=500)
    pages = [["/village", "/village"], ["/village/visits", "/village/visits"]]
    for task in tasks["items"]:
        # NOTE: the online task page shows decrypted PII: the device keeps the masked variant
        path = f"/village/tasks/{seg(task['task_id'])}"
        pages.append([f"{path}/offline", path])
    for household in found["items"]:
        if household.get("status") in VISITED:
            path = f"/village/visits/{seg(household['id'])}"
            pages.append([path, path])
    return _answer(200, user=_user_key(session), pages=pages)


def _user_key(session: UserSession) -> str:
    return f"{session.principal.role}:{session.principal.scope}:{session.principal.sub}"


async def _queued(request: Request) -> tuple[UserSession, str, dict[str, str]] | JSONResponse:
    """The village session, the device's Idempotency-Key and the recorded fields of one replay."""
    session = _village(request)
    if isinstance(session, JSONResponse):
        return session
    try:
        sent = await request.json()
    except ValueError:
        return _answer(400, code="bad_request", message="离线记录格式错误")
    key = str(sent.get("key") or "") if isinstance(sent, dict) else ""
    fields = sent.get("fields") if isinstance(sent, dict) else None
    if not key or len(key) > KEY_MAX or not isinstance(fields, dict):
        return _answer(400, code="bad_request", message="离线记录缺少幂等键或内容")
    return session, key, {str(k): str(v) for k, v in fields.items()}


def _failed(exc: UpstreamError) -> JSONResponse:
    return _answer(
        exc.status if 400 <= exc.status < 600 else 502,
        code=exc.code,
        message="；".join(upstream_messages(exc)),
        field=exc.field,
    )


@router.post("/village/sync/followups/{household_id}")
async def sync_followup(request: Request, household_id: str) -> JSONResponse:
    """Replay one monthly visit recorded on the device."""
    queued = await _queued(request)
    if isinstance(queued, JSONResponse):
        return queued
    session, key, fields = queued
    body, errors = visit_body(FormData(list(fields.items())))
    if errors or not body["month"]:
        return _answer(
            422, code="validation_failed", message="走访记录中有不是数字的金额或缺少月份"
        )
    path = f"/api/v1/households/{seg(household_id)}/followups"
    try:
        resp = await session.api.request(
            "assistance", "POST", path, json=body, headers={"Idempotency-Key": key}
        )
    except UpstreamError as exc:
        return _failed(exc)
    return _answer(200, result=result_of(resp.json()))


@router.post("/village/sync/reports/{task_id}")
async def sync_report(request: Request, task_id: str) -> JSONResponse:
    """Replay one visit outcome recorded on the device."""
    queued = await _queued(request)
    if isinstance(queued, JSONResponse):
        return queued
    session, key, fields = queued
    body = report_body(fields)
    if not body["outcome"]:
        return _answer(422, code="validation_failed", message="请选择核实结果", field="outcome")
    path = f"/api/v1/tasks/{seg(task_id)}/report"
    try:
        await session.api.request(
            "warning", "POST", path, json=body, headers={"Idempotency-Key": key}
        )
    except UpstreamError as exc:
        if exc.status == 409 and await _already_reported(session.api, task_id, body):
            return _answer(200, already=True)
        return _failed(exc)
    return _answer(200)


async def _already_reported(api: Api, task_id: str, body: dict[str, Any]) -> bool:
    """True when the task already holds this very report (an earlier try whose answer was lost).

    The warning API answers a report retried with its Idempotency-Key as the first time; a 409
    is another report (or one sent before keys were kept): only a task that carries the same
    outcome and date counts as delivered; anything else is a conflict.
    """
    try:
        task = await api.get("warning", f"/api/v1/tasks/{seg(task_id)}")
    except UpstreamError:
        return False
    if task.get("status") in OPEN:
        return False
    same = ("outcome", "reason", "visited_on")
    return all(str(task.get(k, body[k]) or "") == str(body[k] or "") for k in same)
