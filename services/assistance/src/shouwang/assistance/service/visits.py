"""Monthly visits (seed 001/002 月走访): a monitored household without a follow-up for a month
gets `missed_visit` (a flag on the household and an event), once per household and month."""

from datetime import date, datetime, time
from typing import Any

from shouwang.assistance.adapters import overdue
from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.clock import SHANGHAI
from shouwang.common.db.deadlines import Batch, sweep
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import VisitMissed

STAGE = "missed_visit"
ACTOR = "visit-sweep"
VISITED_STATUSES = ("monitored", "deferred_exit")


def previous_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before `today`'s."""
    last = today.replace(day=1).toordinal() - 1
    end = date.fromordinal(last)
    return end.replace(day=1), end


async def flag_missed(uow: UnitOfWork, row: dict[str, Any], *, month: str, due_at: datetime,
                      now: datetime) -> bool:  # fmt: skip
    """Record the household-month's flag and stage its event, unless flagged before."""
    ref = f"{row['id']}:{month}"
    claimed = await overdue.claim_flag(
        uow.session, stage=STAGE, ref=ref, household_id=row["id"], due_at=due_at, now=now
    )
    if not claimed:
        return False
    await repo.add_history(uow.session, row["id"], at=now, action=STAGE, actor=ACTOR,
                           details={"month": month})  # fmt: skip
    event = VisitMissed(
        household_id=str(row["id"]), county_code=row["county_code"],
        village_code=row["village_code"], township_code=row["township_code"], month=month,
    )  # fmt: skip
    repo.publish(uow, event, subject=str(row["id"]), now=now)
    return True


async def sweep_missed_visits(runtime: AssistanceRuntime, *, batch_size: int = 500) -> int:
    """Flag every monitored household without a follow-up for last month, once each."""
    now = local_now(runtime)
    first, _ = previous_month(now.date())
    # NOTE: the month's visit is due by its end: the first instant of this month
    due_at = datetime.combine(now.date().replace(day=1), time.min, tzinfo=SHANGHAI)
    month = first.strftime("%Y-%m")

    async def batch(uow: UnitOfWork) -> Batch:
        rows = await overdue.unvisited(
            uow.session,
            stage=STAGE,
            month=month,
            since=first,
            statuses=VISITED_STATUSES,
            limit=batch_size,
        )
        raised = 0
        for row in rows:
            raised += await flag_missed(uow, row, month=month, due_at=due_at, now=now)
        return len(rows), raised

    return await sweep(runtime.uow, batch, batch_size=batch_size)
