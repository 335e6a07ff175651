"""政策参数: the effective settings of a region on a date, a change form, the history, the calendar.

A county changes its own layer, a province its own; a province user may view one of its counties
(read-only). The policy service judges every change (422 naming the field, 403 out of scope).
"""

import re
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from shouwang.common.auth.principal import Principal
from shouwang.common.geography import Geography
from shouwang.web import policy_labels
from shouwang.web.client import UpstreamError, gather_sections, seg
from shouwang.web.pages.households import today_of
from shouwang.web.places import place_name
from shouwang.web.policy_form import GENERAL, field_names, sections
from shouwang.web.policy_proposal import field_errors, proposal
from shouwang.web.render import page
from shouwang.web.session import PolicySession, UserSession
from starlette.responses import Response

router = APIRouter(prefix="/policy", include_in_schema=False)
REGION = re.compile(r"\d{2}(\d{4})?")
POLICY = "/api/v1/policy"


def region_of(principal: Principal, requested: str | None) -> str:
    """The region to show: a county its own; a province its own or one of its counties."""
    wanted = (requested or "").strip()
    if principal.role == "province" and REGION.fullmatch(wanted):
        if wanted.startswith(principal.scope):
            return wanted
    return principal.scope


def day_of(request: Request, raw: str | None) -> tuple[date, str | None]:
    """The date asked for (default: today in Beijing), or today and why the date was not used."""
    if not raw:
        return today_of(request), None
    try:
        return date.fromisoformat(raw.strip()), None
    except ValueError:
        return today_of(request), "日期格式应为 YYYY-MM-DD，已显示今天的参数"


def region_name(code: str) -> str:
    """The county's name, or the province's code as 省级（23）."""
    return f"省级（{code}）" if len(code) == 2 else place_name(code)


def counties_of(province: str) -> list[tuple[str, str]]:
    """(code, name) of the province's counties the workbench knows."""
    counties = Geography.from_seed().counties()
    return [(c.code, c.name) for c in counties if c.code.startswith(province)]


async def _page(
    request: Request,
    session: UserSession,
    *,
    region: str,
    on: date,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    api, principal = session.api, session.principal
    cursor = request.query_params.get("cursor")
    policy, history, calendar = await gather_sections(
        api.get("policy", f"{POLICY}/{seg(region)}", on=on.isoformat()),
        api.get("policy", f"{POLICY}/{seg(region)}/history", limit=50, cursor=cursor),
        api.get("policy", f"/api/v1/calendar/{seg(region[:2])}/{on.year}"),
    )
    read = not isinstance(policy, BaseException)
    editable = read and region == principal.scope
    form_sections = sections(policy["settings"], submitted) if editable else []
    return page(
        request,
        "policy.html",
        {
            "P": policy_labels,
            "region": region,
            "region_name": region_name(region),
            "on": on,
            "policy": policy,
            "rows": policy_labels.effective_rows(policy["settings"]) if read else [],
            "editable": editable,
            "sections": form_sections,
            "history": history,
            "calendar": calendar,
            "counties": counties_of(principal.scope) if principal.role == "province" else [],
            "errors": errors or {},
            "form": {"effective_from": on.isoformat(), **(submitted or {})},
        },
        status=status,
    )


@router.get("")
async def policy_page(request: Request, session: PolicySession) -> Response:
    """The region's effective settings on a date, the change form and the history."""
    region = region_of(session.principal, request.query_params.get("region"))
    on, problem = day_of(request, request.query_params.get("on"))
    errors = {"on": problem} if problem else None
    return await _page(request, session, region=region, on=on, errors=errors)


@router.post("")
async def change_policy(request: Request, session: PolicySession) -> Response:
    """Send the changed settings as a new version of the user's own layer."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    region = session.principal.scope
    on, _ = day_of(request, form.get("on"))
    current = await session.api.get("policy", f"{POLICY}/{seg(region)}", on=on.isoformat())
    body = {
        "effective_from": form.get("effective_from", "").strip(),
        "reason": form.get("reason", "").strip(),
        "settings": proposal(current["settings"], form),
    }
    try:
        version = await session.api.put("policy", f"{POLICY}/{seg(region)}", body)
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        names = field_names(sections(current["settings"]))
        errors = field_errors(exc, names)
        if exc.status != 422:
            errors = {GENERAL: exc.message}
        return await _page(request, session, region=region, on=on, errors=errors,
                           submitted=form, status=exc.status)  # fmt: skip
    target = f"/policy?ok=policy&on={version['effective_from']}&version={version['version']}"
    return RedirectResponse(target, status_code=303)
