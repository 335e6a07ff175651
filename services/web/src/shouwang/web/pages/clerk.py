"""Department clerk: template, upload with per-row results, rejections, compliance, window."""

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from shouwang.web.client import Api, UpstreamError, seg
from shouwang.web.pages.downloads import passthrough
from shouwang.web.render import page
from shouwang.web.session import ClerkSession
from shouwang.web.window import last_periods, window_view
from starlette.responses import Response

router = APIRouter(prefix="/clerk", include_in_schema=False)
BATCHES = "/api/v1/warning-batches"


async def _compliance(api: Api, department: str, periods: list[str]) -> list[dict[str, Any]]:
    answers = await asyncio.gather(
        *(api.get("warning", "/api/v1/compliance", period=p) for p in periods)
    )
    rows = []
    for period, answer in zip(periods, answers, strict=True):
        own = next((r for r in answer["items"] if r["department"] == department), None)
        rows.append(own or {"period": period, "status": "missing", "batches": 0, "items": 0})
    return rows


async def _clerk_page(
    request: Request,
    session: ClerkSession,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    settings = request.app.state.settings
    window = window_view(
        request.app.state.clock.now(),
        open_day=settings.window_open_day,
        close_day=settings.window_close_day,
    )
    department = session.principal.scope
    compliance, batches = await asyncio.gather(
        _compliance(session.api, department, last_periods(window.now)),
        session.api.get("warning", BATCHES, limit=10),
    )
    form = {
        "period": window.period,
        "urgent": False,
        "urgent_reason": "",
        "idempotency_key": uuid.uuid4().hex,
        **(values or {}),
    }
    return page(
        request,
        "clerk.html",
        {
            "department": department,
            "window": window,
            "compliance": compliance,
            "batches": batches["items"],
            "form": form,
            "errors": errors or {},
        },
        status=status,
    )


@router.get("")
async def clerk_home(request: Request, session: ClerkSession) -> Response:
    """The clerk's page."""
    return await _clerk_page(request, session)


@router.get("/template")
async def template(session: ClerkSession) -> Response:
    """The department's XLSX template."""
    return await passthrough(
        session.api, "warning", f"{BATCHES}/template", department=session.principal.scope
    )


@router.get("/upload")
async def upload_get() -> Response:
    """A reload after an upload lands back on the clerk page."""
    return RedirectResponse("/clerk", status_code=303)


@router.post("/upload")
async def upload(
    request: Request,
    session: ClerkSession,
    file: Annotated[UploadFile | None, File()] = None,
    period: Annotated[str, Form()] = "",
    urgent: Annotated[str | None, Form()] = None,
    urgent_reason: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Forward the file to the warning service and show each rejected row."""
    values = {"period": period, "urgent": bool(urgent), "urgent_reason": urgent_reason}
    if file is None or not file.filename:
        return await _clerk_page(
            request, session, values=values, errors={"file": "请选择要上传的文件"}, status=422
        )
    fields = {
        "department": session.principal.scope,
        "period": period.strip(),
        "urgent": "true" if urgent else "false",
        "urgent_reason": urgent_reason.strip(),
    }
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    upload = (file.filename, file.file, file.content_type or "application/octet-stream")
    try:
        resp = await session.api.request(
            "warning",
            "POST",
            f"{BATCHES}/upload",
            headers=headers,
            data=fields,
            files={"file": upload},
        )
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        field = exc.field if exc.field in ("file", "period", "urgent_reason") else "_form"
        return await _clerk_page(
            request, session, values=values, errors={field: exc.message}, status=exc.status
        )
    return page(
        request,
        "clerk_batch.html",
        {"batch": resp.json(), "just_uploaded": True, "period": fields["period"]},
    )


@router.get("/batches/{batch_id}")
async def batch(request: Request, session: ClerkSession, batch_id: str) -> Response:
    """A filed batch: counts and rejected rows."""
    found = await session.api.get("warning", f"{BATCHES}/{seg(batch_id)}")
    return page(
        request,
        "clerk_batch.html",
        {"batch": found, "just_uploaded": False, "period": found["period"]},
    )


@router.get("/batches/{batch_id}/rejections.xlsx")
async def rejections(session: ClerkSession, batch_id: str) -> Response:
    """The batch's rejected rows as XLSX."""
    return await passthrough(session.api, "warning", f"{BATCHES}/{seg(batch_id)}/rejections.xlsx")
