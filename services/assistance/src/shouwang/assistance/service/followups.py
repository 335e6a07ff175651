"""Monthly follow-up (月走访): record a month, judge it by the county's policy, emit the flags."""

import json
from datetime import date, datetime
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.followups import month_incomes, save_month
from shouwang.assistance.adapters.repository import idempotency
from shouwang.assistance.domain.errors import BadRequest
from shouwang.assistance.domain.followup import (
    FlagInputs,
    MonthIncome,
    annualise,
    check_view,
    counted_months,
    flag_messages,
    income_flags,
    income_year,
    per_person,
    previous_year,
)
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import household_in_scope, require_role
from shouwang.assistance.service.policy import county_policy
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import FollowupFlagged, FollowupRecorded
from shouwang.common.policy.resolution import EffectivePolicy

Row = dict[str, Any]


def _last_year(records: list[MonthIncome], year: list[str], row: Row) -> float | None:
    """Last income year's annualised income per person (else the registered figure)."""
    earlier = set(previous_year(year))
    previous = [m for m in records if m.month in earlier]
    if not previous:
        return row["last_year_income_per_person"]  # type: ignore[no-any-return]
    return per_person(annualise(previous), row["size"])


def judge(
    records: list[MonthIncome], month: str, row: Row, labours: list[str], policy: EffectivePolicy
) -> dict[str, Any]:
    """The month's answer: the counted months annualised and flagged by the policy in force."""
    span = policy.annualisation.months()
    counted = counted_months(records, month, span)
    line, average = policy.value("monitoring_line_yuan"), policy.value("lifted_average_yuan")
    ratio = policy.value("expense_surge_ratio")
    income, flags = income_flags(
        FlagInputs(
            months=counted, household_size=row["size"], labours=labours,
            monitoring_line=line, lifted_average=average, expense_surge_ratio=ratio,
            last_year_per_person=_last_year(records, income_year(month, span), row),
        )
    )  # fmt: skip
    return {
        "month": month,
        "months_counted": len(counted),
        "annualised_income_yuan": round(annualise(counted), 2),
        "per_person_yuan": income,
        "flags": flag_messages(flags, income=income, line=line, average=average, ratio=ratio),
        "monitoring_line_yuan": line,
    }


async def record_followup(
    runtime: AssistanceRuntime,
    principal: Principal,
    household_id: str,
    body: dict[str, Any],
    *,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Store one month (re-recording a month replaces it) and answer with the flags; a retry
    with the same Idempotency-Key gets the first answer again, with nothing stored or emitted."""
    require_role(principal, "village", "township")
    now = local_now(runtime)
    month = body["month"]
    if month > now.strftime("%Y-%m"):
        raise BadRequest("不能登记未来月份的收入", field="month")
    request = json.dumps({"household_id": household_id, **body}, sort_keys=True, default=str)
    body_hash = idempotency.request_hash(request.encode())
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        # NOTE: after the household's lock, so a concurrent retry finds the first answer
        if stored := await idempotency.replay(
            uow.session, principal=principal.key, key=idempotency_key, body_hash=body_hash
        ):
            return stored[1]
        # NOTE: a month is judged by the settings in force on its first day (DESIGN "Policy")
        policy = await county_policy(
            uow.session, county_code=row["county_code"], on=date.fromisoformat(f"{month}-01")
        )
        others = [m for m in await month_incomes(uow.session, row["id"]) if m.month != month]
        records = sorted([*others, MonthIncome(month, body["income"], body["expense"])],
                         key=lambda m: m.month)  # fmt: skip
        labours = [m["labour"] for m in await repo.get_members(uow.session, row["id"])]
        answer = judge(records, month, row, labours, policy)
        await _store(uow, row, body, answer, actor=principal.sub, now=now)
        result = {"household_id": str(row["id"]), **answer, "checks": check_view(body["checks"])}
        await idempotency.remember(
            uow.session, principal=principal.key, key=idempotency_key, body_hash=body_hash,
            status_code=201, response=result,
        )  # fmt: skip
        await uow.commit()
    return result


async def _store(
    uow: UnitOfWork,
    row: Row,
    body: dict[str, Any],
    answer: dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> None:
    codes = [f["code"] for f in answer["flags"]]
    values = {
        "income": body["income"], "expense": body["expense"], "checks": body["checks"],
        "flags": codes, "annual_income_per_person": answer["per_person_yuan"],
        "recorded_by": actor, "recorded_at": now,
    }  # fmt: skip
    await save_month(uow.session, row["id"], body["month"], values)
    facts: Row = {
        "household_id": str(row["id"]), "county_code": row["county_code"],
        "village_code": row["village_code"], "month": body["month"], "flags": codes,
        "annual_income_per_person": answer["per_person_yuan"],
    }  # fmt: skip
    # NOTE: every month recorded (policy's what-if); the flagged ones also as before
    recorded = FollowupRecorded(**facts, household_size=row["size"])
    repo.publish(uow, recorded, subject=str(row["id"]), now=now)
    if codes:
        repo.publish(uow, FollowupFlagged(**facts), subject=str(row["id"]), now=now)
