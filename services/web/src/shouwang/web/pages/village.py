"""Village cadre: my tasks at phone width, the person (audited PII), the visit outcome."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from shouwang.common.clock import SHANGHAI
from shouwang.web.client import UpstreamError, seg
from shouwang.web.render import page
from shouwang.web.session import VillageSession
from starlette.responses import Response

router = APIRouter(prefix="/village", include_in_schema=False)
OPEN = ("routed", "assigned")
REPORT_FIELDS = ("outcome", "visited_on", "reason", "note", "target_township_code")


@router.get("")
async def village_home(request: Request, session: VillageSession) -> Response:
    """The cadre's tasks: those to visit first."""
    found = await session.api.get("warning", "/api/v1/tasks", limit=200)
    todo = [t for t in found["items"] if t["status"] in OPEN]
    done = [t for t in found["items"] if t["status"] not in OPEN]
    return page(request, "village.html", {"todo": todo, "done": done})


async def _task_page(
    request: Request,
    session: VillageSession,
    task_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    masked: bool = False,
) -> Response:
    path = f"/api/v1/tasks/{seg(task_id)}"
    task = await session.api.get("warning", path)
    # NOTE: the warning service audits every call to /pii; only this page makes it
    wants_person = task["status"] in OPEN and not masked
    person = await session.api.get("warning", f"{path}/pii") if wants_person else None
    today = request.app.state.clock.now().astimezone(SHANGHAI).date().isoformat()
    form = {
        "outcome": "",
        "visited_on": today,
        "reason": "",
        "note": "",
        "target_township_code": "",
        **(values or {}),
    }
    return page(
        request,
        "village_task.html",
        {
            "task": task,
            "person": person,
            "form": form,
            "errors": errors or {},
            "today": today,
            "masked": masked,
        },
        status=status,
    )


@router.get("/tasks/{task_id}")
async def village_task(request: Request, session: VillageSession, task_id: str) -> Response:
    """One task: who to visit and the outcome form."""
    return await _task_page(request, session, task_id)


@router.get("/tasks/{task_id}/offline")
async def village_task_offline(request: Request, session: VillageSession, task_id: str) -> Response:
    """The same page without the decrypted person: the copy the device keeps for offline use."""
    return await _task_page(request, session, task_id, masked=True)


def report_body(values: dict[str, str]) -> dict[str, str | None]:
    """The report's API body from the form's fields (blank fields sent as null)."""
    body = {k: (str(values.get(k) or "").strip() or None) for k in REPORT_FIELDS}
    if body["outcome"] != "moved":
        body["target_township_code"] = None
    return body


@router.post("/tasks/{task_id}/report")
async def report(
    request: Request,
    session: VillageSession,
    task_id: str,
    outcome: Annotated[str, Form()] = "",
    visited_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    target_township_code: Annotated[str, Form()] = "",
) -> Response:
    """Send the visit outcome to the warning service."""
    values = {
        "outcome": outcome,
        "visited_on": visited_on,
        "reason": reason,
        "note": note,
        "target_township_code": target_township_code,
    }
    if not outcome:
        return await _task_page(
            request,
            session,
            task_id,
            values=values,
            errors={"outcome": "请选择核实结果"},
            status=422,
        )
    body = report_body(values)
    try:
        await session.api.post("warning", f"/api/v1/tasks/{seg(task_id)}/report", body)
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        field = exc.field if exc.field in REPORT_FIELDS else "_form"
        return await _task_page(
            request, session, task_id, values=values, errors={field: exc.message}, status=exc.status
        )
    return RedirectResponse("/village?ok=reported", status_code=303)
