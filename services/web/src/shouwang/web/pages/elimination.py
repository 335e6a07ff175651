"""Risk elimination (风险消除) on screen: the quarter's candidates, then one household's steps:
pre-judgement, the on-site check signed by the household on the phone screen, the village review,
the mark (风险消除, 缓退 or 兜底保障户). The assistance API judges every step; these pages ask.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from shouwang.web.client import UpstreamError, seg
from shouwang.web.pages.households import today_of, upstream_messages
from shouwang.web.pages.visits import household_details
from shouwang.web.render import page
from shouwang.web.session import AreaSession
from starlette.datastructures import FormData
from starlette.responses import Response

router = APIRouter(include_in_schema=False)
STEPS = ("prejudge", "onsite_check", "village_review", "mark")
STEP_ROLES = {  # who records each step (the API checks it again)
    "prejudge": ("township", "village"),
    "onsite_check": ("village", "township"),
    "village_review": ("village", "township"),
    "mark": ("township", "county"),
}
SECURITY = {"education": "义务教育有保障", "medical": "基本医疗有保障", "housing": "住房安全有保障",
            "water": "饮水安全有保障"}  # fmt: skip
SIGNATURE_PREFIX = "data:image/png;base64,"


def next_step(household: dict[str, Any]) -> str | None:
    """The step the household waits for (None: nothing to do now)."""
    if household.get("status") != "monitored":
        return None
    current = household.get("elimination") or {}
    if current.get("status") != "open":
        return "prejudge"
    done = current.get("steps") or {}
    return next((s for s in STEPS if s not in done), None)


def measures_of(household: dict[str, Any]) -> list[dict[str, Any]]:
    """The household's measures across its plans, one per name."""
    seen: dict[str, dict[str, Any]] = {}
    for plan in household.get("plans") or []:
        for measure in plan.get("measures") or []:
            if isinstance(measure, dict) and measure.get("name"):
                seen.setdefault(str(measure["name"]), measure)
    return list(seen.values())


@router.get("/elimination")
async def candidates(request: Request, session: AreaSession) -> Response:
    """This quarter's candidates (pre-judged), those still to pre-judge, and the 缓退 households."""
    api = session.api
    monitored = await api.get("assistance", "/api/v1/households", status="monitored", limit=500)
    deferred = await api.get("assistance", "/api/v1/households", status="deferred_exit", limit=500)
    files = await household_details(api, monitored["items"])
    return page(
        request,
        "elimination.html",
        {
            "candidates": [h for h in files if next_step(h) not in (None, "prejudge")],
            "todo": [h for h in files if next_step(h) == "prejudge"],
            "deferred": deferred["items"],
            "role": session.principal.role,
            "next_step": next_step,
        },
    )


async def elimination_page(
    request: Request,
    session: AreaSession,
    household_id: str,
    *,
    errors: list[str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """One household's elimination: what is done, and the form of the step it waits for."""
    household = await session.api.get("assistance", f"/api/v1/households/{seg(household_id)}")
    step = next_step(household)
    role = session.principal.role
    return page(
        request,
        "elimination_household.html",
        {
            "h": household,
            "e": household.get("elimination") or {},
            "step": step,
            "may_record": step is not None and role in STEP_ROLES[step],
            "measures": measures_of(household),
            "security": SECURITY,
            "today": today_of(request).isoformat(),
            "errors": errors or [],
            "form": form or {},
            "role": role,
        },
        status=status,
    )


@router.get("/households/{household_id}/elimination")
async def household_elimination(
    request: Request, session: AreaSession, household_id: str
) -> Response:
    """The elimination steps of one household."""
    return await elimination_page(request, session, household_id)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


def _prejudge(form: FormData) -> dict[str, Any]:
    reviews = []
    for index in range(len(form.getlist("measure_name"))):
        name = str(form.getlist("measure_name")[index])
        reviews.append(
            {
                "name": name,
                "in_place": form.get(f"in_place_{index}") == "yes",
                "effective": form.get(f"effective_{index}") == "yes",
                "effect": _text(form, f"effect_{index}"),
            }
        )
    way = _text(form, "way") or "帮扶消除"
    body: dict[str, Any] = {
        "date": _text(form, "date"),
        "way": way,
        "security": {k: form.get(f"security_{k}") == "yes" for k in SECURITY},
    }
    if way == "自然消除":
        body["natural_cause"] = _text(form, "natural_cause")
    else:
        body["measure_review"] = reviews
    return body


def step_body(step: str, form: FormData) -> dict[str, Any]:
    """The API body of an elimination step from its form."""
    if step == "prejudge":
        return _prejudge(form)
    if step == "onsite_check":
        signature = _text(form, "signature_png")
        return {
            "date": _text(form, "date"),
            "checked_by": _text(form, "checked_by"),
            "findings": _text(form, "findings"),
            "household_signed": signature.startswith(SIGNATURE_PREFIX),
            "signature_png": signature or None,
        }
    if step == "village_review":
        attendees = _text(form, "attendees")
        return {
            "result": _text(form, "result"),
            "date": _text(form, "date"),
            "attendees": int(attendees) if attendees.isdigit() else attendees,
        }
    return {"date": _text(form, "date")}


@router.post("/households/{household_id}/elimination/{step}")
async def record_step(
    request: Request, session: AreaSession, household_id: str, step: str
) -> Response:
    """Send one step; re-show the page with the API's reasons when it refuses."""
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    if step not in STEPS:
        return await elimination_page(
            request, session, household_id, errors=["未知的风险消除步骤"], status=404
        )
    body = step_body(step, form)
    if step == "onsite_check" and not body["household_signed"]:
        errors = ["请农户在屏幕签字框内签字后再提交"]
        return await elimination_page(
            request, session, household_id, errors=errors, form=values, status=422
        )
    path = f"/api/v1/households/{seg(household_id)}/elimination/{step}"
    try:
        await session.api.post("assistance", path, body)
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        return await elimination_page(
            request,
            session,
            household_id,
            errors=_reasons(exc),
            form=values,
            status=exc.status,
        )
    target = f"/households/{seg(household_id)}/elimination?ok=elimination"
    return RedirectResponse(target, status_code=303)


def _reasons(exc: UpstreamError) -> list[str]:
    """The refusal and each unmet pre-judgement criterion."""
    messages = upstream_messages(exc)
    details = exc.details if isinstance(exc.details, dict) else {}
    for criterion in details.get("criteria") or []:
        if isinstance(criterion, dict) and criterion.get("message") not in messages:
            messages.append(str(criterion.get("message")))
    unproven = details.get("unproven_measures") or []
    if unproven:
        messages.append("未确认落实见效的措施：" + "、".join(str(u) for u in unproven))
    return messages
