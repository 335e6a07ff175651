"""The end of 缓退 (seed 001): a deferred household exits when its protection (低保, 特困, 残疾)
ends or at the next quarterly review (the county's review days, policy `elimination_schedule`),
as a step of its own with its own written notice."""

from datetime import date, datetime
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.eliminations import latest_with_outcome, update_elimination
from shouwang.assistance.domain import elimination as rules_domain
from shouwang.assistance.domain.errors import InvalidStep
from shouwang.assistance.domain.vocab import PROTECTIONS
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import household_in_scope, require_role
from shouwang.assistance.service.policy import elimination_schedule
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork

STEP = "exit"
DEFERRED = "deferred_exit"
REASONS = {
    "protection_ended": "低保、特困、残疾等保障已终止",
    "quarterly_review": "缓退后的季度评议",
}


def protected(protection: list[str]) -> bool:
    """True while the household holds a protection that defers its exit."""
    return bool(set(protection) & set(PROTECTIONS))


async def end_deferral(
    uow: UnitOfWork, row: dict[str, Any], *, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    """Mark a 缓退 household `risk_eliminated`, recording the exit step; no commit."""
    step = {"date": now.date().isoformat(), "reason": reason, "recorded_at": now.isoformat()}
    deferral = await latest_with_outcome(uow.session, row["id"], DEFERRED)
    if deferral is not None:
        await update_elimination(
            uow.session, deferral["id"], steps={**deferral["steps"], STEP: step}
        )
    await repo.update_household(uow.session, row["id"], now=now, status="risk_eliminated")
    await repo.add_history(
        uow.session, row["id"], at=now, action=f"elimination.{STEP}", actor=actor,
        details={"result": "risk_eliminated", "reason": reason},
    )  # fmt: skip
    await repo.publish_status(uow, row["id"], now=now, reason=f"deferred_exit_ended:{reason}")
    return {"step": STEP, "result": "risk_eliminated", "outcome": "risk_eliminated", **step}


async def on_protection_changed(
    uow: UnitOfWork, row: dict[str, Any], protection: list[str], *, actor: str, now: datetime
) -> None:
    """A 缓退 household whose last protection ended exits (called in the change's transaction)."""
    if row["status"] == DEFERRED and not protected(protection):
        await end_deferral(uow, row, reason="protection_ended", actor=actor, now=now)


async def exit_at_review(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """The township or county ends a 缓退 at the next quarterly review (or once unprotected)."""
    require_role(principal, "township", "county")
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        if row["status"] != DEFERRED:
            raise InvalidStep("只有缓退的农户可以办理缓退退出", field="status")
        reason = await _exit_reason(uow, row, now.date())
        answer = await end_deferral(uow, row, reason=reason, actor=principal.sub, now=now)
        await uow.commit()
    return answer


async def _exit_reason(uow: UnitOfWork, row: dict[str, Any], today: date) -> str:
    if not protected(row["protection"]):
        return "protection_ended"
    deferral = await latest_with_outcome(uow.session, row["id"], DEFERRED)
    marked_on = date.fromisoformat(deferral["steps"]["mark"]["date"]) if deferral else today
    # the county's quarterly review days (policy `elimination_schedule`, seed 001 末月下旬)
    schedule = await elimination_schedule(uow.session, county_code=row["county_code"], on=today)
    rules_domain.check_review_reached(marked_on, today, schedule)
    return "quarterly_review"
