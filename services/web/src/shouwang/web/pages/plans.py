"""The plan editor (一户一策): typed measures, one responsible cadre, the plan rules' answers."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from shouwang.web.client import UpstreamError, seg
from shouwang.web.pages.households import today_of, upstream_messages
from shouwang.web.render import page
from shouwang.web.session import AreaSession
from starlette.datastructures import FormData
from starlette.responses import Response

router = APIRouter(prefix="/households/{household_id}/plan", include_in_schema=False)
ROWS = 4
MEASURE_FIELDS = ("type", "name", "starts_on", "ends_on", "amount_yuan")


def rule_list(exc: UpstreamError) -> list[dict[str, str]]:
    """The broken rules a 422 names (`rules`, or the single `rule`), each with its message."""
    details = exc.details if isinstance(exc.details, dict) else {}
    rules = [
        {"rule": str(r.get("rule") or r.get("code") or ""), "message": str(r.get("message") or "")}
        for r in details.get("rules") or []
        if isinstance(r, dict)
    ]
    if not rules and (details.get("rule") or exc.code in ("plan_rule_violated", "labour_unknown")):
        rules = [{"rule": str(details.get("rule") or exc.code), "message": exc.message}]
    return rules


def measures_of(form: FormData) -> list[dict[str, str]]:
    """The form's measure rows (a row without a type and a name is left out)."""
    rows = []
    for i in range(ROWS):
        row = {f: str(form.get(f"{f}_{i}") or "").strip() for f in MEASURE_FIELDS}
        if row["type"] or row["name"]:
            rows.append(row)
    return rows


def _body(cadre: str | None, measures: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "cadre_name": cadre,
        "measures": [{**m, "amount_yuan": m["amount_yuan"] or 0} for m in measures],
    }


async def _editor(
    request: Request,
    session: AreaSession,
    household_id: str,
    *,
    form: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    rules: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    household = await session.api.get("assistance", f"/api/v1/households/{seg(household_id)}")
    today = today_of(request)
    blank = {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=364)).isoformat()}
    measures = list((form or {}).get("measures") or [])
    measures += [{**blank}] * (ROWS - len(measures))
    return page(
        request,
        "plan.html",
        {
            "h": household,
            "cadre_name": (form or {}).get("cadre_name", ""),
            "measures": measures,
            "errors": errors or [],
            "rules": rules or [],
            "unknown_labour": [
                m for m in household.get("members") or [] if m.get("labour") == "unknown"
            ],
        },
        status=status,
    )


@router.get("")
async def plan_editor(request: Request, session: AreaSession, household_id: str) -> Response:
    """The plan form for a household."""
    return await _editor(request, session, household_id)


@router.post("")
async def save_plan(request: Request, session: AreaSession, household_id: str) -> Response:
    """Send the plan; a 422 comes back next to the form with the rules it breaks."""
    form = await request.form()
    cadre = str(form.get("cadre_name") or "").strip()
    measures = measures_of(form)
    values = {"cadre_name": cadre, "measures": measures}
    if not measures:
        errors = ["请至少填写一项帮扶措施（类型和名称）"]
        return await _editor(request, session, household_id, form=values, errors=errors, status=422)
    path = f"/api/v1/households/{seg(household_id)}/plans"
    try:
        await session.api.post("assistance", path, _body(cadre, measures))
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        rules = rule_list(exc)
        errors = [exc.message] if rules else upstream_messages(exc)
        return await _editor(
            request,
            session,
            household_id,
            form=values,
            errors=errors,
            rules=rules,
            status=exc.status,
        )
    return RedirectResponse(f"/households/{seg(household_id)}?ok=plan#plans", status_code=303)


@router.post("/check")
async def check_plan(request: Request, session: AreaSession, household_id: str) -> Response:
    """The rules the form's measures would break, judged by the assistance API without saving:
    the page's live box (a fragment). Only the measure types are judged: a row with a type and
    no name yet is checked under its type's name."""
    form = await request.form()
    measures = [{**m, "name": m["name"] or m["type"]} for m in measures_of(form) if m["type"]]
    if not measures:
        return page(request, "_plan_check.html", {"checked": False})
    cadre = str(form.get("cadre_name") or "").strip() or None
    path = f"/api/v1/households/{seg(household_id)}/plans/check"
    try:
        found = await session.api.post("assistance", path, _body(cadre, measures))
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        return page(request, "_plan_check.html", {"errors": upstream_messages(exc)})
    return page(request, "_plan_check.html", {"checked": True, "violations": found["violations"]})
