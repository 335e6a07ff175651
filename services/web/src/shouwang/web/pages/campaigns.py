"""Screening campaigns (集中排查): per township the four lists, 销号 and progress."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from shouwang.web.client import UpstreamError, seg
from shouwang.web.pages.households import today_of, upstream_messages
from shouwang.web.places import place_name, townships_of
from shouwang.web.render import page
from shouwang.web.session import AreaSession
from starlette.responses import Response

router = APIRouter(prefix="/campaigns", include_in_schema=False)
PROBLEM_TYPES = ("三保障和饮水安全", "产业发展", "就业", "小额信贷", "消费帮扶", "资金项目管理",
                 "动态监测", "帮扶工作")  # fmt: skip
RECORDERS = ("township", "village")


@router.get("")
async def campaign_list(request: Request, session: AreaSession) -> Response:
    """The county's campaigns."""
    found = await session.api.get("assistance", "/api/v1/campaigns")
    return page(request, "campaigns.html", {"campaigns": found.get("items") or []})


def _township(request: Request, session: AreaSession) -> str:
    """The township whose lists to show: the user's own, or the one the county picked."""
    scope = session.principal.scope
    if session.principal.role in RECORDERS:
        return scope[:9]
    return request.query_params.get("township_code", "").strip()


async def campaign_page(
    request: Request,
    session: AreaSession,
    campaign_id: str,
    *,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """One campaign: progress per township and one township's four lists."""
    api, path = session.api, f"/api/v1/campaigns/{seg(campaign_id)}"
    campaign = await api.get("assistance", path)
    progress = await api.get("assistance", f"{path}/progress")
    township = _township(request, session)
    problems = await api.get("assistance", f"{path}/problems", township_code=township or None)
    role = session.principal.role
    households: list[dict[str, Any]] = []
    if role in RECORDERS:
        found = await api.get("assistance", "/api/v1/households", limit=500)
        households = found.get("items") or []
    return page(
        request,
        "campaign.html",
        {
            "c": campaign,
            "progress": progress,
            "problems": problems.get("items") or [],
            "township": township,
            "township_name": place_name(township) if township else "",
            "townships": townships_of(session.principal.scope) if role == "county" else [],
            "role": role,
            "households": households,
            "problem_types": PROBLEM_TYPES,
            "today": today_of(request).isoformat(),
            "errors": errors or {},
            "form": form or {},
        },
        status=status,
    )


@router.get("/{campaign_id}/four-lists.xlsx")
async def four_lists(request: Request, session: AreaSession, campaign_id: str) -> Response:
    """The township's four lists as the assistance API exports them (masked XLSX)."""
    township = _township(request, session)
    resp = await session.api.request(
        "assistance",
        "GET",
        f"/api/v1/campaigns/{seg(campaign_id)}/four-lists.xlsx",
        params={"township_code": township} if township else None,
    )
    disposition = resp.headers.get("Content-Disposition", "attachment; filename=four-lists.xlsx")
    return Response(
        resp.content,
        media_type=resp.headers.get("Content-Type", "application/octet-stream"),
        headers={"Content-Disposition": disposition},
    )


@router.get("/{campaign_id}")
async def campaign_detail(request: Request, session: AreaSession, campaign_id: str) -> Response:
    """The four lists of a township, with progress."""
    return await campaign_page(request, session, campaign_id)


def _back(campaign_id: str, ok: str, township: str) -> RedirectResponse:
    query = urlencode({"ok": ok, **({"township_code": township} if township else {})})
    return RedirectResponse(f"/campaigns/{seg(campaign_id)}?{query}", status_code=303)


@router.post("/{campaign_id}/problems")
async def record_problem(request: Request, session: AreaSession, campaign_id: str) -> Response:
    """A township or village records a problem with its measure, responsibility and deadline."""
    form = await request.form()
    text = {k: str(form.get(k) or "").strip() for k in form if k != "csrf_token"}
    body = {
        "household_id": text.get("household_id", ""),
        "problem_type": text.get("problem_type", ""),
        "description": text.get("description", ""),
        "measure": text.get("measure", ""),
        "responsible": {"unit": text.get("unit", ""), "person": text.get("person", "")},
        "deadline": text.get("deadline", ""),
    }
    path = f"/api/v1/campaigns/{seg(campaign_id)}/problems"
    try:
        await session.api.post("assistance", path, body)
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        errors = {"problem": upstream_messages(exc)}
        return await campaign_page(
            request, session, campaign_id, errors=errors, form=text, status=exc.status
        )
    return _back(campaign_id, "problem", _township(request, session))


@router.post("/{campaign_id}/problems/{problem_id}/close")
async def close_problem(
    request: Request, session: AreaSession, campaign_id: str, problem_id: str
) -> Response:
    """销号 with the rectification's evidence."""
    form = await request.form()
    evidence = str(form.get("evidence") or "").strip()
    path = f"/api/v1/campaigns/{seg(campaign_id)}/problems/{seg(problem_id)}/close"
    body = {"evidence": {"text": evidence, "attachments": []}} if evidence else {}
    township = str(form.get("township_code") or "") or _township(request, session)
    try:
        await session.api.post("assistance", path, body)
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        errors = {f"close:{problem_id}": upstream_messages(exc)}
        return await campaign_page(request, session, campaign_id, errors=errors, status=exc.status)
    return _back(campaign_id, "closed", township)
