"""Assistance plans (一户一策): one responsible cadre, typed measures, rules, due date."""

import uuid
from datetime import date, datetime
from typing import Any

from shouwang.assistance.adapters import plans as store
from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.domain.errors import (
    BadRequest,
    InvalidStep,
    LabourUnknown,
    PlanRuleViolated,
)
from shouwang.assistance.domain.plan_rules import (
    Rule,
    plan_due,
    plan_is_late,
    plan_quality_flags,
    plan_violations,
)
from shouwang.assistance.domain.vocab import UNKNOWN_LABOUR
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import household_in_scope, require_role
from shouwang.assistance.service.cadres import cadre_view, plan_cadre
from shouwang.assistance.service.policy import deadline_days
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import DataQualityFlagged, PlanRecorded
from shouwang.common.failures import Failure
from sqlalchemy.ext.asyncio import AsyncSession

PLANNABLE = ("identifying", "monitored", "deferred_exit")
PLANNERS = ("village", "township", "county")


def labour_unknown(members: list[dict[str, Any]]) -> LabourUnknown | None:
    """The refusal (labour_unknown) while any member's labour capacity is unknown, naming them."""
    unknown = [m for m in members if m["labour"] == UNKNOWN_LABOUR]
    if not unknown:
        return None
    names = "、".join(m["name_masked"] for m in unknown)
    return LabourUnknown(
        f"以下家庭成员的劳动能力尚未核实：{names}，请先登记劳动能力",
        field="members",
        details=[
            {"member_id": str(m["id"]), "name_masked": m["name_masked"],
             "relation": m["relation"]}
            for m in unknown
        ],
    )  # fmt: skip


def require_known_labour(members: list[dict[str, Any]]) -> None:
    """Refuse (labour_unknown) while any member's labour capacity is unknown."""
    if refusal := labour_unknown(members):
        raise refusal


def check_measures(measures: list[dict[str, Any]]) -> None:
    """Each measure ends on or after its start."""
    for i, m in enumerate(measures):
        if m["ends_on"] < m["starts_on"]:
            raise BadRequest("措施结束日期不能早于开始日期", field=f"measures.{i}.ends_on")


def judge_plan(
    row: dict[str, Any], members: list[dict[str, Any]], types: list[str]
) -> tuple[Failure | None, list[Rule]]:
    """The one evaluation of a plan's rules: the refusal creating it answers (labour_unknown, or
    plan_rule_violated naming every broken rule; None when it passes) and its quality flags."""
    if refusal := labour_unknown(members):
        return refusal, []
    labours = [m["labour"] for m in members]
    broken = plan_violations(labours=labours, risk_types=row["risk_types"], measure_types=types)
    flags = plan_quality_flags(risk_types=row["risk_types"], measure_types=types)
    if not broken:
        return None, flags
    return PlanRuleViolated(
        f"帮扶计划不符合规则：{broken[0].message}",
        field="measures",
        details={
            "rule": broken[0].code,
            "rules": [{"rule": r.code, "message": r.message} for r in broken],
        },
    ), flags


def violations(refusal: Failure | None) -> list[dict[str, str]]:
    """The rules a refusal of judge_plan names, each with its message (none when it passed)."""
    if refusal is None:
        return []
    details = refusal.details if isinstance(refusal.details, dict) else {}
    return list(details.get("rules") or [{"rule": refusal.code, "message": refusal.message}])


async def _plannable(
    session: AsyncSession, principal: Principal, household_id: str, *, for_update: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The household (in the caller's area, in a status that takes a plan) and its members."""
    row = await household_in_scope(session, principal, household_id, for_update=for_update)
    if row["status"] not in PLANNABLE:
        raise InvalidStep("该户不是监测对象，不能制定帮扶计划", field="status")
    return row, await repo.get_members(session, row["id"])


async def check_plan(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Judge a plan exactly as create_plan would, writing nothing: the rules it breaks."""
    require_role(principal, *PLANNERS)
    check_measures(body["measures"])
    async with runtime.sessionmaker() as session:
        row, members = await _plannable(session, principal, household_id, for_update=False)
    refusal, _ = judge_plan(row, members, [m["type"] for m in body["measures"]])
    return {"violations": violations(refusal)}


async def create_plan(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Check the plan against the measure rules and store it (late if past its due day)."""
    require_role(principal, *PLANNERS)
    check_measures(body["measures"])
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row, members = await _plannable(uow.session, principal, household_id, for_update=True)
        types = [m["type"] for m in body["measures"]]
        refusal, flags = judge_plan(row, members, types)
        if refusal:
            raise refusal
        cadre = await plan_cadre(
            uow, runtime, row, body.get("cadre_name"), actor=principal.sub, now=now
        )
        plan = await _insert_plan(uow, row, body["measures"], cadre, actor=principal.sub, now=now)
        _publish(uow, row, plan, types, flags, now)
        await uow.commit()
    return {
        **plan,
        "cadre": cadre_view(cadre),
        "quality_flags": [{"code": f.code, "message": f.message} for f in flags],
    }


async def _insert_plan(
    uow: UnitOfWork,
    row: dict[str, Any],
    measures: list[dict[str, Any]],
    cadre: dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    made_on = now.date()
    days = await deadline_days(
        uow.session, county_code=row["county_code"], name="plan_days",
        on=row["approved_on"] or made_on,
    )  # fmt: skip
    late = plan_is_late(approved_on=row["approved_on"], made_on=made_on, plan_days=days)
    due = plan_due(row["approved_on"], days)
    stored = [
        {**m, "starts_on": m["starts_on"].isoformat(), "ends_on": m["ends_on"].isoformat()}
        for m in measures
    ]
    plan_id = uuid.uuid4()
    await store.add_plan(uow.session, {
        "id": plan_id, "household_id": row["id"], "cadre_name": cadre["name"],
        "cadre_id": cadre["id"], "measures": stored, "made_on": made_on, "due_on": due,
        "late": late, "created_by": actor, "created_at": now,
    })  # fmt: skip
    await repo.add_history(
        uow.session, row["id"], at=now, action="plan_recorded", actor=actor,
        details={"plan_id": str(plan_id), "late": late},
    )  # fmt: skip
    return {
        "id": str(plan_id), "household_id": str(row["id"]), "cadre_name": cadre["name"],
        "measures": stored, "made_on": made_on.isoformat(),
        "due_on": due.isoformat() if due else None, "late": late,
    }  # fmt: skip


def _publish(
    uow: UnitOfWork,
    row: dict[str, Any],
    plan: dict[str, Any],
    types: list[str],
    flags: list[Rule],
    now: datetime,
) -> None:
    facts = {"household_id": str(row["id"]), "county_code": row["county_code"],
             "village_code": row["village_code"]}  # fmt: skip
    event = PlanRecorded(**facts, plan_id=plan["id"], measure_types=types, late=plan["late"])
    repo.publish(uow, event, subject=str(row["id"]), now=now)
    if flags:
        flagged = DataQualityFlagged(**facts, stage="plan", flags=[f.code for f in flags])
        repo.publish(uow, flagged, subject=str(row["id"]), now=now)


async def household_measures(session: Any, household_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every measure of every plan of a household."""
    return await store.measures_of(session, household_id)


def measures_in_effect(measures: list[dict[str, Any]], on: date) -> list[dict[str, Any]]:
    """The measures running on a day."""
    return [
        m
        for m in measures
        if date.fromisoformat(m["starts_on"]) <= on <= date.fromisoformat(m["ends_on"])
    ]
