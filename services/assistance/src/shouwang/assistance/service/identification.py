"""Identification (纳入) commands: open (loop or township), record steps, settle the household."""

import uuid
from datetime import date, datetime
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.identifications import (
    add_identification,
    latest_identification,
    save_identification,
)
from shouwang.assistance.domain import identification as ident_domain
from shouwang.assistance.domain.errors import BadRequest, InvalidStep, UnknownStep
from shouwang.assistance.domain.identification import Identification
from shouwang.assistance.domain.vocab import LIFTED, MONITORING_CATEGORIES
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import household_in_scope, require_role
from shouwang.assistance.service.policy import deadline_days, identification_due
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import IdentificationStepRecorded

OPENABLE = ("lifted", "none", "risk_eliminated")


async def open_identification(
    uow: UnitOfWork,
    runtime: AssistanceRuntime,
    row: dict[str, Any],
    *,
    trigger: str,
    source_ref: str | None,
    actor: str,
    now: datetime,
    risk_types: list[str],
    reason: str = "",
) -> Identification:
    """Start identifying a household (re-marking it if its risk had been eliminated)."""
    due_at = await identification_due(uow.session, county_code=row["county_code"], start=now)
    ident = ident_domain.start(str(uuid.uuid4()), now=now, due_at=due_at)
    ident.steps["opened"] = {
        "previous_status": row["status"],
        "trigger": trigger,
        "reason": reason,
        "at": now.isoformat(),
    }
    await add_identification(
        uow.session,
        ident,
        household_id=row["id"],
        trigger=trigger,
        source_ref=source_ref,
        started_by=actor,
    )
    remarked = row["status"] == "risk_eliminated"
    changes: dict[str, Any] = {"status": "identifying", "remarked": row["remarked"] or remarked}
    if risk_types:
        changes["risk_types"] = (
            risk_types if remarked else sorted({*row["risk_types"], *risk_types})
        )
    await repo.update_household(uow.session, row["id"], now=now, **changes)
    await repo.add_history(
        uow.session,
        row["id"],
        at=now,
        action="identification_opened",
        actor=actor,
        details={"trigger": trigger, "remarked": remarked},
    )
    _publish_step(uow, row, step="opened", result=trigger, overdue=False, now=now)
    await repo.publish_status(
        uow, row["id"], now=now, reason="remarked" if remarked else "identification_opened"
    )
    return ident


async def start_by_township(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, body: dict[str, Any]
) -> None:
    """A township (or county) opens identification for a registered household."""
    require_role(principal, "township", "county")
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        if row["status"] not in OPENABLE:
            raise InvalidStep("该户已在识别或监测中，不能重复发起识别", field="status")
        await open_identification(
            uow,
            runtime,
            row,
            trigger="township",
            source_ref=None,
            actor=principal.sub,
            now=now,
            risk_types=body["risk_types"],
            reason=body.get("reason", ""),
        )
        await uow.commit()


async def record_step(
    runtime: AssistanceRuntime,
    principal: Principal,
    household_id: str,
    step: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Record one identification step; settles the household on a decision."""
    if step not in ident_domain.STEPS:
        raise UnknownStep()
    require_role(principal, *ident_domain.STEP_ROLES[step])
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        ident = await latest_identification(uow.session, row["id"], for_update=True)
        if ident is None or ident.status != "open":
            raise InvalidStep("该户没有进行中的识别程序")
        notice_days = await deadline_days(
            uow.session,
            county_code=row["county_code"],
            name="notice_days",
            on=ident.notice_posted_on() or now.date(),
        )
        result = ident.record(step, body, now=now, notice_days=notice_days)
        await save_identification(uow.session, ident)
        await _apply_result(uow, row, ident, step=step, result=result, body=body, now=now)
        await repo.add_history(
            uow.session,
            row["id"],
            at=now,
            action=f"identification.{step}",
            actor=principal.sub,
            details={"result": result},
        )
        _publish_step(uow, row, step=step, result=result, overdue=ident.overdue(now), now=now)
        await uow.commit()
    return {
        "step": step,
        "result": result,
        "status": ident.status,
        "next_step": ident.next_step(),
        "overdue": ident.overdue(now),
    }


async def _apply_result(
    uow: UnitOfWork,
    row: dict[str, Any],
    ident: Identification,
    *,
    step: str,
    result: str,
    body: dict[str, Any],
    now: datetime,
) -> None:
    if step == "village_review" and result == "pass":
        changes = {k: body[k] for k in ("category", "risk_types") if body.get(k)}
        if changes:
            await repo.update_household(uow.session, row["id"], now=now, **changes)
    if ident.status == "rejected":
        previous = ident.steps.get("opened", {}).get("previous_status") or "none"
        await repo.update_household(uow.session, row["id"], now=now, status=previous)
        await repo.publish_status(uow, row["id"], now=now, reason="identification_rejected")
    elif ident.status == "approved":
        decided_on = date.fromisoformat(ident.steps["county_decision"]["date"])
        category = _monitoring_category(row, ident, body)
        await repo.update_household(
            uow.session,
            row["id"],
            now=now,
            status="monitored",
            category=category,
            approved_on=decided_on,
            monitored_since=decided_on,
            elimination_way=None,
        )
        await repo.publish_status(uow, row["id"], now=now, reason="identification_approved")


def _monitoring_category(row: dict[str, Any], ident: Identification, body: dict[str, Any]) -> str:
    review = ident.steps.get("village_review", {})
    current = row["category"]
    for candidate in (body.get("category"), review.get("category"), current):
        if candidate in MONITORING_CATEGORIES:
            return str(candidate)
    if current == LIFTED:
        return "脱贫不稳定户"
    raise BadRequest("批准纳入时须确定监测对象类别", field="category")


def _publish_step(
    uow: UnitOfWork, row: dict[str, Any], *, step: str, result: str, overdue: bool, now: datetime
) -> None:
    event = IdentificationStepRecorded(
        household_id=str(row["id"]),
        county_code=row["county_code"],
        village_code=row["village_code"],
        step=step,
        result=result,
        overdue=overdue,
    )
    repo.publish(uow, event, subject=str(row["id"]), now=now)
