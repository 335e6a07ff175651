"""Identification (纳入) as a guided flow on the household file, and the printable public notice."""

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from shouwang.web.client import UpstreamError, seg
from shouwang.web.labels import IDENTIFICATION_STEPS
from shouwang.web.pages.households import detail_page, upstream_messages
from shouwang.web.render import page
from shouwang.web.session import AreaSession
from starlette.datastructures import FormData
from starlette.responses import Response

router = APIRouter(prefix="/households/{household_id}/identification", include_in_schema=False)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


def _number(raw: str) -> int | str:
    """An integer field as a number when it is one (else the API names the field)."""
    return int(raw) if raw.isdigit() else raw


def step_body(step: str, form: FormData) -> dict[str, Any]:
    """The API body of a step from its form."""
    if step == "village_review":
        return {
            "result": _text(form, "result"),
            "date": _text(form, "date"),
            "attendees": _number(_text(form, "attendees")),
            "category": _text(form, "category") or None,
            "risk_types": [str(r) for r in form.getlist("risk_types")],
            "note": _text(form, "note"),
        }
    if step == "notice":
        summary = _text(form, "objection")
        objections = (
            [{"received_on": _text(form, "posted_on"), "summary": summary}] if summary else []
        )
        return {"posted_on": _text(form, "posted_on"), "objections": objections}
    if step == "township_review":
        return {"result": _text(form, "result"), "date": _text(form, "date"), "note": ""}
    return {  # NOTE: no date: the API dates the county's decision itself
        "decision": _text(form, "decision"),
        "category": _text(form, "category") or None,
        "note": _text(form, "note"),
    }


@router.post("/start")
async def start(request: Request, session: AreaSession, household_id: str) -> Response:
    """A township (or the county) opens identification for a registered household."""
    form = await request.form()
    body = {
        "reason": _text(form, "reason"),
        "risk_types": [str(r) for r in form.getlist("risk_types")],
    }
    path = f"/api/v1/households/{seg(household_id)}/identification/start"
    return await _send(request, session, household_id, path, body, dict(form))


@router.post("/{step}")
async def record_step(
    request: Request, session: AreaSession, household_id: str, step: str
) -> Response:
    """Record the flow's current step with the dates the user confirmed."""
    if step not in IDENTIFICATION_STEPS:
        errors = {"ident": ["未知的识别步骤"]}
        return await detail_page(request, session, household_id, errors=errors, status=404)
    form = await request.form()
    path = f"/api/v1/households/{seg(household_id)}/identification/{step}"
    return await _send(request, session, household_id, path, step_body(step, form), dict(form))


async def _send(
    request: Request,
    session: AreaSession,
    household_id: str,
    path: str,
    body: dict[str, Any],
    values: dict[str, Any],
) -> Response:
    try:
        await session.api.post("assistance", path, body)
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        errors = {"ident": upstream_messages(exc)}
        return await detail_page(
            request, session, household_id, errors=errors, form=values, status=exc.status
        )
    target = f"/households/{seg(household_id)}?ok=identification#identification"
    return RedirectResponse(target, status_code=303)


@router.get("/notice")
async def notice(request: Request, session: AreaSession, household_id: str) -> Response:
    """The public notice (公示), masked, laid out for A4 paper."""
    household = await session.api.get("assistance", f"/api/v1/households/{seg(household_id)}")
    ident = household.get("identification") or {}
    posted = (ident.get("steps") or {}).get("notice")
    if not posted:
        errors = {"ident": ["尚未进入公示环节，请先登记公示张贴日期"]}
        return await detail_page(request, session, household_id, errors=errors, status=409)
    posted_on = date.fromisoformat(str(posted["posted_on"])[:10])
    review_from = date.fromisoformat(str(ident.get("notice_ends_on") or posted_on)[:10])
    last_day = max(posted_on, review_from - timedelta(days=1))
    return page(
        request,
        "notice.html",
        {
            "h": household,
            "posted_on": posted_on,
            "last_day": last_day,
            "days": (last_day - posted_on).days + 1,
        },
    )
