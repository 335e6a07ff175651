"""Assistance plans (一户一策): one responsible cadre, typed measures, rules, due date."""

import uuid
from datetime import date
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.tables import plans
from shouwang.assistance.domain.errors import (
    BadRequest,
    InvalidStep,
    LabourUnknown,
    PlanRuleViolated,
)
from shouwang.assistance.domain.plan_rules import plan_due, plan_is_late, plan_violations
from shouwang.assistance.domain.vocab import UNKNOWN_LABOUR
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import require_household_scope, require_role
from shouwang.assistance.service.policy import deadline_days
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.events.catalog.assistance import PlanRecorded
from sqlalchemy import insert, select

PLANNABLE = ("identifying", "monitored", "deferred_exit")


def require_known_labour(members: list[dict[str, Any]]) -> None:
    """Refuse (labour_unknown) while any member's labour capacity is unknown, naming them."""
    unknown = [m for m in members if m["labour"] == UNKNOWN_LABOUR]
    if unknown:
        names = "、".join(m["name_masked"] for m in unknown)
        raise LabourUnknown(
            f"以下家庭成员的劳动能力尚未核实：{names}，请先登记劳动能力",
            field="members",
            details=[
                {"member_id": str(m["id"]), "name_masked": m["name_masked"],
                 "relation": m["relation"]}
                for m in unknown
            ],
        )  # fmt: skip


def check_measures(measures: list[dict[str, Any]]) -> None:
    """Each measure ends on or after its start."""
    for i, m in enumerate(measures):
        if m["ends_on"] < m["starts_on"]:
            raise BadRequest("措施结束日期不能早于开始日期", field=f"measures.{i}.ends_on")


async def create_plan(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Check the plan against the measure rules and store it (late if past its due day)."""
    require_role(principal, "village", "township", "county")
    check_measures(body["measures"])
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await repo.get_household(uow.session, household_id, for_update=True)
        require_household_scope(principal, row)
        if row["status"] not in PLANNABLE:
            raise InvalidStep("该户不是监测对象，不能制定帮扶计划", field="status")
        members = await repo.get_members(uow.session, row["id"])
        require_known_labour(members)
        labours = [m["labour"] for m in members]
        types = [m["type"] for m in body["measures"]]
        broken = plan_violations(labours=labours, risk_types=row["risk_types"], measure_types=types)
        if broken:
            raise PlanRuleViolated(
                f"帮扶计划不符合规则：{broken[0].message}",
                field="measures",
                details={
                    "rule": broken[0].code,
                    "rules": [{"rule": r.code, "message": r.message} for r in broken],
                },
            )
        made_on = now.date()
        days = await deadline_days(
            uow.session,
            county_code=row["county_code"],
            name="plan_days",
            on=row["approved_on"] or made_on,
        )
        late = plan_is_late(approved_on=row["approved_on"], made_on=made_on, plan_days=days)
        plan_id = uuid.uuid4()
        measures = [
            {**m, "starts_on": m["starts_on"].isoformat(), "ends_on": m["ends_on"].isoformat()}
            for m in body["measures"]
        ]
        await uow.session.execute(
            insert(plans).values(
                id=plan_id,
                household_id=row["id"],
                cadre_name=body["cadre_name"],
                measures=measures,
                made_on=made_on,
                due_on=plan_due(row["approved_on"], days),
                late=late,
                created_by=principal.sub,
                created_at=now,
            )
        )
        await repo.add_history(
            uow.session,
            row["id"],
            at=now,
            action="plan_recorded",
            actor=principal.sub,
            details={"plan_id": str(plan_id), "late": late},
        )
        event = PlanRecorded(
            household_id=str(row["id"]),
            county_code=row["county_code"],
            village_code=row["village_code"],
            plan_id=str(plan_id),
            measure_types=types,
            late=late,
        )
        repo.publish(uow, event, subject=str(row["id"]), now=now)
        await uow.commit()
    due = plan_due(row["approved_on"], days)
    return {
        "id": str(plan_id),
        "household_id": str(row["id"]),
        "cadre_name": body["cadre_name"],
        "measures": measures,
        "made_on": made_on.isoformat(),
        "due_on": due.isoformat() if due else None,
        "late": late,
    }


async def household_measures(session: Any, household_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every measure of every plan of a household."""
    stmt = select(plans.c.measures).where(plans.c.household_id == household_id)
    return [m for (measures,) in (await session.execute(stmt)).all() for m in measures]


def measures_in_effect(measures: list[dict[str, Any]], on: date) -> list[dict[str, Any]]:
    """The measures running on a day."""
    return [
        m
        for m in measures
        if date.fromisoformat(m["starts_on"]) <= on <= date.fromisoformat(m["ends_on"])
    ]
