"""Monthly follow-up (月走访): record a month's income, annualise, flag, emit the flags."""

from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.tables import followups
from shouwang.assistance.domain.errors import BadRequest
from shouwang.assistance.domain.followup import FlagInputs, MonthIncome, annualise, income_flags
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import require_household_scope, require_role
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.events.catalog.assistance import FollowupFlagged
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert


async def month_incomes(session: Any, household_id: Any) -> list[MonthIncome]:
    """Every recorded month of a household, oldest first."""
    stmt = (
        select(followups.c.month, followups.c.income)
        .where(followups.c.household_id == household_id)
        .order_by(followups.c.month)
    )
    return [MonthIncome(month=m, income=i) for m, i in (await session.execute(stmt)).all()]


def _last_year(
    months: list[MonthIncome], year: int, size: int, recorded: float | None
) -> float | None:
    previous = [m for m in months if m.month.startswith(f"{year - 1}-")]
    if not previous:
        return recorded
    return sum(m.total for m in previous) / len(previous) * 12 / max(size, 1)


async def record_followup(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Store one month (re-recording a month replaces it) and answer with the flags."""
    require_role(principal, "village", "township")
    now = local_now(runtime)
    if body["month"] > now.strftime("%Y-%m"):
        raise BadRequest("不能登记未来月份的收入", field="month")
    settings = runtime.settings
    async with runtime.uow() as uow:
        row = await repo.get_household(uow.session, household_id, for_update=True)
        require_household_scope(principal, row)
        rules = settings.rules_for(row["county_code"])
        year = int(body["month"][:4])
        history = [
            m for m in await month_incomes(uow.session, row["id"]) if m.month != body["month"]
        ]
        this_year = sorted(
            [
                *[m for m in history if m.month.startswith(f"{year}-") and m.month < body["month"]],
                MonthIncome(body["month"], body["income"]),
            ],
            key=lambda m: m.month,
        )
        labours = [m["labour"] for m in await repo.get_members(uow.session, row["id"])]
        line = rules.line_for(year)
        income, flags = income_flags(
            FlagInputs(
                months=this_year,
                household_size=row["size"],
                labours=labours,
                monitoring_line=line,
                lifted_average=rules.lifted_average,
                transfer_share_high=rules.transfer_share_high,
                last_year_per_person=_last_year(
                    history, year, row["size"], row["last_year_income_per_person"]
                ),
                drop_ratio=rules.income_drop_ratio,
            )
        )
        values = {
            "income": body["income"],
            "expense": body["expense"],
            "flags": flags,
            "annual_income_per_person": income,
            "recorded_by": principal.sub,
            "recorded_at": now,
        }
        stmt = insert(followups).values(household_id=row["id"], month=body["month"], **values)
        await uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[followups.c.household_id, followups.c.month], set_=values
            )
        )
        if flags:
            repo.publish(
                uow,
                FollowupFlagged(
                    household_id=str(row["id"]),
                    county_code=row["county_code"],
                    village_code=row["village_code"],
                    month=body["month"],
                    flags=flags,
                    annual_income_per_person=income,
                ),
                subject=str(row["id"]),
                now=now,
            )
        await uow.commit()
    return {
        "household_id": str(row["id"]),
        "month": body["month"],
        "months_recorded": len(this_year),
        "annual_income": round(annualise(this_year), 2),
        "annual_income_per_person": income,
        "monitoring_line": line,
        "flags": flags,
    }
