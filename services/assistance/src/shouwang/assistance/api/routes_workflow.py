"""Procedures on a household: identification, plans, follow-ups, risk elimination, notice."""

from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError
from shouwang.assistance.api.deps import RuntimeDep
from shouwang.assistance.api.schemas import (
    ELIMINATION_BODIES,
    IDENTIFICATION_BODIES,
    FollowupCreate,
    IdentificationStart,
    PlanCreate,
    dump,
)
from shouwang.assistance.domain.errors import UnknownStep
from shouwang.assistance.service import (
    elimination,
    elimination_notice,
    followups,
    identification,
    notice,
    plans,
)
from shouwang.common.auth.deps import CurrentPrincipal
from shouwang.common.http.idempotency_key import IdempotencyKey
from sqlalchemy.exc import IntegrityError

router = APIRouter(prefix="/api/v1/households/{household_id}", tags=["procedures"])


def _parse(bodies: dict[str, type[BaseModel]], step: str, body: dict[str, Any]) -> dict[str, Any]:
    model = bodies.get(step)
    if model is None:
        raise UnknownStep()
    try:
        return dump(model.model_validate(body))
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


@router.get("/identification/notice.html", response_class=HTMLResponse)
async def identification_notice(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str
) -> HTMLResponse:
    """The printable public notice (masked)."""
    return HTMLResponse(await notice.notice_html(runtime, principal, household_id))


@router.post("/identification/start", status_code=201)
async def start_identification(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str, body: IdentificationStart
) -> dict[str, Any]:
    """A township opens identification for a household."""
    await identification.start_by_township(runtime, principal, household_id, dump(body))
    return {"household_id": household_id, "status": "identifying", "next_step": "village_review"}


@router.post("/identification/{step}")
async def identification_step(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    household_id: str,
    step: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Record village_review, notice, township_review or county_decision."""
    data = _parse(IDENTIFICATION_BODIES, step, body)
    return await identification.record_step(runtime, principal, household_id, step, data)


@router.post("/plans", status_code=201)
async def create_plan(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str, body: PlanCreate
) -> dict[str, Any]:
    """An assistance plan; 422 plan_rule_violated names the rule it breaks."""
    return await plans.create_plan(runtime, principal, household_id, body.model_dump())


@router.post("/plans/check")
async def check_plan(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str, body: PlanCreate
) -> dict[str, Any]:
    """Dry run of a plan: `violations` lists the rules (codes and messages of the 422
    plan_rule_violated / labour_unknown) that creating it would break; nothing is written."""
    return await plans.check_plan(runtime, principal, household_id, body.model_dump())


@router.post("/followups", status_code=201)
async def record_followup(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    household_id: str,
    body: FollowupCreate,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """One month's income and expenses; answers with the annualised income and flags (a retry
    with the same Idempotency-Key: the first answer; another body: 409 idempotency_key_reused)."""
    fields = body.model_dump()
    try:
        return await followups.record_followup(
            runtime, principal, household_id, fields, idempotency_key=idempotency_key
        )
    except IntegrityError:
        if not idempotency_key:
            raise
        # a concurrent request with the same key stored its answer first: answer as it says
        return await followups.record_followup(
            runtime, principal, household_id, fields, idempotency_key=idempotency_key
        )


@router.get("/elimination/notice.html", response_class=HTMLResponse)
async def elimination_notice_page(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str
) -> HTMLResponse:
    """The printable written notice of risk elimination or 缓退 (masked)."""
    html = await elimination_notice.elimination_notice_html(runtime, principal, household_id)
    return HTMLResponse(html)


@router.post("/elimination/{step}")
async def elimination_step(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    household_id: str,
    step: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Record prejudge, onsite_check, village_review or mark."""
    data = _parse(ELIMINATION_BODIES, step, body)
    return await elimination.record_step(runtime, principal, household_id, step, data)
