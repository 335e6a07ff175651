"""Monthly visit (月走访) on a phone: the month's households, one screen each, then the result."""

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Request
from shouwang.web.client import Api, UpstreamError, seg
from shouwang.web.labels import EXPENSE_KINDS, INCOME_KINDS, MONTHLY_CHECKS, flags_of
from shouwang.web.pages.households import today_of, upstream_messages
from shouwang.web.render import page
from shouwang.web.session import VillageSession
from starlette.datastructures import FormData
from starlette.responses import Response

router = APIRouter(prefix="/village/visits", include_in_schema=False)
VISITED = ("monitored", "deferred_exit")  # the households the API expects a monthly visit of
PARALLEL = 8


async def household_details(api: Api, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The full files of listed households, a few requests at a time."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(item: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            path = f"/api/v1/households/{seg(item['id'])}"
            detail: dict[str, Any] = await api.get("assistance", path)
            return detail

    return list(await asyncio.gather(*(one(i) for i in items)))


@router.get("")
async def visit_list(request: Request, session: VillageSession) -> Response:
    """This month's households: those still to visit first."""
    month = today_of(request).strftime("%Y-%m")
    found = await session.api.get("assistance", "/api/v1/households", limit=500)
    households = await household_details(
        session.api, [h for h in found["items"] if h.get("status") in VISITED]
    )
    done = {
        h["id"]
        for h in households
        if any(f.get("month") == month for f in h.get("followups") or [])
    }
    return page(
        request,
        "visits.html",
        {
            "month": month,
            "todo": [h for h in households if h["id"] not in done],
            "done": [h for h in households if h["id"] in done],
        },
    )


def visited(household: dict[str, Any], month: str) -> bool:
    """Whether the month's follow-up is recorded (the API's `visit`, else the follow-ups)."""
    visit = household.get("visit")
    if isinstance(visit, dict) and visit.get("month") == month:
        return bool(visit.get("recorded"))
    return any(f.get("month") == month for f in household.get("followups") or [])


def _amount(form: FormData, name: str, errors: dict[str, str]) -> float:
    raw = str(form.get(name) or "").strip().replace(",", "")
    try:
        return float(raw) if raw else 0.0
    except ValueError:
        errors[name] = "请填写数字（元）"
        return 0.0


def visit_body(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The follow-up body from the form, and the fields that are not numbers."""
    errors: dict[str, str] = {}
    body = {
        "month": str(form.get("month") or "").strip(),
        "income": {k: _amount(form, f"income_{k}", errors) for k in INCOME_KINDS},
        "expense": {k: _amount(form, f"expense_{k}", errors) for k in EXPENSE_KINDS},
        "checks": {k: form.get(f"check_{k}") == "yes" for k in MONTHLY_CHECKS},
    }
    return body, errors


def result_of(answer: dict[str, Any]) -> dict[str, Any]:
    """The follow-up answer, v1.1 names first (older names as a fallback)."""
    return {
        "month": answer.get("month"),
        "months_counted": answer.get("months_counted", answer.get("months_recorded")),
        "annualised": answer.get("annualised_income_yuan", answer.get("annual_income")),
        "per_person": answer.get("per_person_yuan", answer.get("annual_income_per_person")),
        "flags": flags_of(answer.get("flags")),
    }


async def _visit_page(
    request: Request,
    session: VillageSession,
    household_id: str,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    household = await session.api.get("assistance", f"/api/v1/households/{seg(household_id)}")
    month = today_of(request).strftime("%Y-%m")
    return page(
        request,
        "visit.html",
        {
            "h": household,
            "month": month,
            "form": form or {"month": month},
            "errors": errors or {},
            "result": result,
            "key": str(uuid.uuid4()),
        },
        status=status,
    )


@router.get("/{household_id}")
async def visit_form(request: Request, session: VillageSession, household_id: str) -> Response:
    """One household's visit form."""
    return await _visit_page(request, session, household_id)


@router.post("/{household_id}")
async def save_visit(request: Request, session: VillageSession, household_id: str) -> Response:
    """Send the month's income, expenses and checks; show the annualised result and flags."""
    form = await request.form()
    body, errors = visit_body(form)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    if errors:
        return await _visit_page(
            request, session, household_id, form=values, errors=errors, status=422
        )
    key = str(form.get("idempotency_key") or uuid.uuid4())
    path = f"/api/v1/households/{seg(household_id)}/followups"
    try:
        resp = await session.api.request(
            "assistance", "POST", path, json=body, headers={"Idempotency-Key": key}
        )
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        return await _visit_page(
            request,
            session,
            household_id,
            form=values,
            errors={"_form": "；".join(upstream_messages(exc))},
            status=exc.status,
        )
    return await _visit_page(request, session, household_id, result=result_of(resp.json()))
