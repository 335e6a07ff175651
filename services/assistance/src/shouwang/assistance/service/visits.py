"""Monthly visits (seed 001/002 月走访): a monitored household without a follow-up for a month
gets `missed_visit` (a flag on the household and an event), once per household and month."""

from datetime import date, datetime, time
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.tables import deadline_flags, followups, households
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.clock import SHANGHAI
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import VisitMissed
from sqlalchemy import Select, exists, select
from sqlalchemy.dialects.postgresql import insert

STAGE = "missed_visit"
ACTOR = "visit-sweep"
VISITED_STATUSES = ("monitored", "deferred_exit")


def previous_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before `today`'s."""
    last = today.replace(day=1).toordinal() - 1
    end = date.fromordinal(last)
    return end.replace(day=1), end


def _unvisited(first: date) -> Select[Any]:
    h, month = households.c, first.strftime("%Y-%m")
    ref = h.id.cast(deadline_flags.c.ref.type) + f":{month}"
    visited = exists().where(followups.c.household_id == h.id, followups.c.month == month)
    flagged = exists().where(deadline_flags.c.stage == STAGE, deadline_flags.c.ref == ref)
    return (
        select(households)
        .where(h.status.in_(VISITED_STATUSES), h.monitored_since <= first)
        .where(~visited, ~flagged)
        .order_by(h.id)
    )


async def flag_missed(uow: UnitOfWork, row: dict[str, Any], *, month: str, due_at: datetime,
                      now: datetime) -> bool:  # fmt: skip
    """Record the household-month's flag and stage its event, unless flagged before."""
    ref = f"{row['id']}:{month}"
    stmt = (
        insert(deadline_flags)
        .values(stage=STAGE, ref=ref, household_id=row["id"], due_at=due_at, flagged_at=now)
        .on_conflict_do_nothing()
        .returning(deadline_flags.c.ref)
    )
    if (await uow.session.execute(stmt)).first() is None:
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
    raised = 0
    while True:
        async with runtime.uow() as uow:
            stmt = _unvisited(first).limit(batch_size).with_for_update(skip_locked=True)
            rows = [dict(r) for r in (await uow.session.execute(stmt)).mappings()]
            for row in rows:
                raised += await flag_missed(
                    uow, row, month=first.strftime("%Y-%m"), due_at=due_at, now=now
                )
            await uow.commit()
        if len(rows) < batch_size:
            return raised
