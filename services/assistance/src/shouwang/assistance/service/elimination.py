"""Quarterly risk elimination: pre-judge, on-site check, village review, mark (or 缓退 / 兜底)."""

import uuid
from datetime import date, datetime
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.eliminations import (
    add_elimination,
    open_elimination,
    update_elimination,
)
from shouwang.assistance.adapters.followups import month_incomes
from shouwang.assistance.domain import elimination as rules_domain
from shouwang.assistance.domain.errors import (
    BadRequest,
    CriteriaNotMet,
    InvalidStep,
    UnknownStep,
)
from shouwang.assistance.domain.followup import MonthIncome, annualise, per_person
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service import deferred_exit
from shouwang.assistance.service.access import household_in_scope, require_role
from shouwang.assistance.service.plans import (
    household_measures,
    measures_in_effect,
    require_known_labour,
)
from shouwang.assistance.service.policy import county_policy, elimination_schedule
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import DataQualityFlagged, EliminationMarked
from shouwang.common.pii_scrub import scrub_text

CRITERIA_MESSAGES = {
    "monitored_less_than_required": "纳入监测未满规定月数",
    "income_not_stably_above_line": "收入未连续稳定高于监测线",
    "security_not_guaranteed": "“三保障”和饮水安全未全部实现",
    "no_measure_in_effect": "没有正在落实的帮扶措施",
    "measures_not_all_effective": "帮扶消除须各项帮扶措施全部落实并产生持续效果",
    "natural_cause_missing": "自然消除须说明返贫致贫风险自然消失的原因",
}


async def record_step(
    runtime: AssistanceRuntime,
    principal: Principal,
    household_id: str,
    step: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Record one elimination step for a monitored household (or the exit of a 缓退 one)."""
    if step == deferred_exit.STEP:
        return await deferred_exit.exit_at_review(runtime, principal, household_id, body)
    if step not in rules_domain.STEPS:
        raise UnknownStep()
    require_role(principal, *rules_domain.STEP_ROLES[step])
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        if row["status"] != "monitored":
            raise InvalidStep("只有监测中的农户可以进行风险消除", field="status")
        current = await open_elimination(uow.session, row["id"])
        expected = _next_step(current)
        if step != expected:
            raise InvalidStep(f"当前应进行的步骤为：{expected}", field="step")
        await _check_window(uow, row, step, now.date())
        answer = await _STEP_HANDLERS[step](uow, row, current, body, now)
        await repo.add_history(
            uow.session,
            row["id"],
            at=now,
            action=f"elimination.{step}",
            actor=principal.sub,
            details={"result": answer.get("result")},
        )
        await uow.commit()
    return {"step": step, **answer}


async def _check_window(uow: UnitOfWork, row: dict[str, Any], step: str, today: date) -> None:
    """Pre-judgement and the village review run only in their days (seed 001, per county)."""
    schedule = await elimination_schedule(uow.session, county_code=row["county_code"], on=today)
    rules_domain.check_window(step, today, schedule)


async def _line(uow: UnitOfWork, row: dict[str, Any], on: date) -> float:
    """The county's monitoring line in force on a date."""
    policy = await county_policy(uow.session, county_code=row["county_code"], on=on)
    return float(policy.value("monitoring_line_yuan"))


def _next_step(current: dict[str, Any] | None) -> str:
    if current is None:
        return "prejudge"
    return next(s for s in rules_domain.STEPS if s not in current["steps"])


async def _save_step(
    uow: UnitOfWork,
    current: dict[str, Any],
    step: str,
    body: dict[str, Any],
    now: datetime,
    **values: Any,
) -> None:
    steps = {**current["steps"], step: {**body, "recorded_at": now.isoformat()}}
    await update_elimination(uow.session, current["id"], steps=steps, **values)


async def _prejudge(
    uow: UnitOfWork,
    row: dict[str, Any],
    _: Any,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    on = date.fromisoformat(body["date"])
    security = body.get("security") or row["security"]
    measures = await household_measures(uow.session, row["id"])
    running = measures_in_effect(measures, on)
    months = await month_incomes(uow.session, row["id"])
    line = await _line(uow, row, on)
    unproven = rules_domain.unproven_measures(measures, body.get("measure_review") or [])
    failures = rules_domain.prejudge_failures(
        rules_domain.Candidate(
            monitored_since=row["monitored_since"], today=on, months=months, size=row["size"],
            line=line, security=security, measures_in_effect=len(running), way=body["way"],
            unproven_measures=len(unproven), natural_cause=body.get("natural_cause") or "",
        )
    )  # fmt: skip
    if failures:
        _refuse(failures, unproven)
    if body.get("security"):
        await repo.update_household(uow.session, row["id"], now=now, security=security)
    facts = {"income_per_person": _latest_income(months, row["size"]), "line": line}
    evidence = elimination_evidence(row, body, measures, {**facts, "security": security})
    await add_elimination(
        uow.session,
        {
            "id": uuid.uuid4(), "household_id": row["id"], "status": "open", "way": body["way"],
            "steps": {"prejudge": {**body, "recorded_at": now.isoformat()}},
            "evidence": evidence, "started_at": now,
        },
    )  # fmt: skip
    return {"result": "candidate", "measures_in_effect": len(running), "evidence": evidence}


def _refuse(failures: list[str], unproven: list[str]) -> None:
    raise CriteriaNotMet(
        f"不符合风险消除预判条件：{CRITERIA_MESSAGES[failures[0]]}",
        details={
            "criteria": [{"criterion": f, "message": CRITERIA_MESSAGES[f]} for f in failures],
            "unproven_measures": unproven,
        },
    )


def elimination_evidence(
    row: dict[str, Any], body: dict[str, Any], measures: list[dict[str, Any]], facts: dict[str, Any]
) -> dict[str, Any]:
    """What the way rests on (seed 004): income against the line, 三保障 and water, and either
    every measure's review (帮扶消除) or the cause of the risk's disappearance (自然消除)."""
    common = {"way": body["way"], **facts, "stable_months": rules_domain.STABLE_MONTHS}
    if body["way"] == rules_domain.NATURAL:
        gone = body.get("risks_gone") or list(row["risk_types"] or [])
        return {**common, "cause": scrub_text(body["natural_cause"]), "risks_gone": gone}
    review = {r["name"]: r for r in body.get("measure_review") or []}
    return {
        **common,
        "measures": [
            {"type": m["type"], "name": m["name"], "in_place": True, "effective": True,
             "effect": scrub_text(review[m["name"]].get("effect") or "")}
            for m in measures
        ],
    }  # fmt: skip


async def _onsite(
    uow: UnitOfWork,
    row: dict[str, Any],
    current: Any,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    if not body["household_signed"]:
        raise BadRequest(
            "入户核查结果须经监测户签字认可",
            field="household_signed",
            details={"code": "household_signature_required"},
        )
    await _save_step(uow, current, "onsite_check", body, now)
    return {"result": "signed"}


async def _review(
    uow: UnitOfWork,
    row: dict[str, Any],
    current: Any,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    failed = body["result"] == "fail"
    await _save_step(
        uow,
        current,
        "village_review",
        body,
        now,
        **({"status": "failed", "outcome": "review_failed"} if failed else {}),
    )
    return {"result": body["result"]}


async def _mark(
    uow: UnitOfWork,
    row: dict[str, Any],
    current: Any,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    on = date.fromisoformat(body["date"])
    members = await repo.get_members(uow.session, row["id"])
    # NOTE: an unknown capacity is never "no labour": no 兜底保障户 made from unknowns
    require_known_labour(members)
    labours = [m["labour"] for m in members]
    result = rules_domain.outcome(labours=labours, protection=row["protection"])
    flags = await _quality(uow, row, labours, on, eliminating=result != "guarantee_household")
    await _save_step(
        uow, current, "mark", body, now, status="done", outcome=result, quality_flags=flags
    )
    if result == "guarantee_household":
        await repo.update_household(uow.session, row["id"], now=now, guarantee_household=True)
    else:
        await repo.update_household(
            uow.session, row["id"], now=now, status=result, elimination_way=current["way"]
        )
        await repo.publish_status(uow, row["id"], now=now, reason=result)
    _publish_marked(uow, row, current, result, flags, now)
    if flags:
        repo.publish(
            uow,
            DataQualityFlagged(
                household_id=str(row["id"]),
                county_code=row["county_code"],
                village_code=row["village_code"],
                stage="elimination",
                flags=flags,
            ),
            subject=str(row["id"]),
            now=now,
        )
    return {
        "result": result,
        "outcome": result,
        "way": current["way"],
        "quality_flags": flags,
        "evidence": current["evidence"],
    }


def _publish_marked(
    uow: UnitOfWork,
    row: dict[str, Any],
    current: dict[str, Any],
    result: str,
    flags: list[str],
    now: datetime,
) -> None:
    event = EliminationMarked(
        household_id=str(row["id"]),
        county_code=row["county_code"],
        village_code=row["village_code"],
        elimination_id=str(current["id"]),
        way=current["way"],
        outcome=result,
        evidence=current["evidence"],
        quality_flags=flags,
    )
    repo.publish(uow, event, subject=str(row["id"]), now=now)


async def _quality(
    uow: UnitOfWork,
    row: dict[str, Any],
    labours: list[str],
    on: date,
    *,
    eliminating: bool,
) -> list[str]:
    months = await month_incomes(uow.session, row["id"])
    income = _latest_income(months, row["size"])
    measures = [m["type"] for m in await household_measures(uow.session, row["id"])]
    return rules_domain.quality_flags(
        rules_domain.QualityInputs(
            approved_on=row["approved_on"],
            today=on,
            income_per_person=income,
            line=await _line(uow, row, on),
            risk_types=row["risk_types"],
            labours=labours,
            measure_types=measures,
            guarantee_household=not eliminating or row["guarantee_household"],
            eliminating=eliminating,
        )
    )


def _latest_income(months: list[MonthIncome], size: int) -> float | None:
    if not months:
        return None
    year = months[-1].month[:4]
    return per_person(annualise([m for m in months if m.month.startswith(year)]), size)


_STEP_HANDLERS = {
    "prejudge": _prejudge,
    "onsite_check": _onsite,
    "village_review": _review,
    "mark": _mark,
}
