"""Deadline sweep: overdue identifications, late plans, overdue campaign problems and missed
monthly visits, once each (the flag mechanism is common.db.deadlines')."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from shouwang.assistance.adapters import overdue
from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.data_quality import sweep_data_quality
from shouwang.assistance.service.policy import deadline_days
from shouwang.assistance.service.screening import open_scheduled_screenings
from shouwang.assistance.service.timekeeping import local_now
from shouwang.assistance.service.visits import sweep_missed_visits
from shouwang.common.db.deadlines import Batch, BatchStep, sweep
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.deadlines import day_end
from shouwang.common.events.catalog.assistance import DeadlineOverdue
from shouwang.common.periodic import periodic
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
ACTOR = "deadline-sweep"
# up to `limit` locked candidates of a stage; the reference and due instant of one
Find = Callable[[AsyncSession, datetime, int], Awaitable[list[Row]]]
Due = Callable[[Row], tuple[str, datetime]]


async def flag_once(
    uow: UnitOfWork, row: Row, *, stage: str, ref: str, due_at: datetime, now: datetime
) -> bool:
    """Record the flag and stage its event unless this stage and reference were flagged before."""
    claimed = await overdue.claim_flag(
        uow.session, stage=stage, ref=ref, household_id=row["id"], due_at=due_at, now=now
    )
    if not claimed:
        return False
    await repo.add_history(
        uow.session, row["id"], at=now, action=f"overdue.{stage}", actor=ACTOR, details={"ref": ref}
    )
    event = DeadlineOverdue(
        household_id=str(row["id"]),
        county_code=row["county_code"],
        village_code=row["village_code"],
        township_code=row["township_code"],
        stage=stage,
        ref=ref,
        due_at=due_at,
    )
    repo.publish(uow, event, subject=str(row["id"]), now=now)
    return True


def _flagging(stage: str, find: Find, due: Due, now: datetime, batch_size: int) -> BatchStep:
    """One batch of a stage: lock its candidates, flag each once."""

    async def batch(uow: UnitOfWork) -> Batch:
        rows = await find(uow.session, now, batch_size)
        changed = 0
        for row in rows:
            ref, due_at = due(row)
            changed += await flag_once(uow, row, stage=stage, ref=ref, due_at=due_at, now=now)
        return len(rows), changed

    return batch


async def _identifications(session: AsyncSession, now: datetime, limit: int) -> list[Row]:
    return await overdue.overdue_identifications(session, now=now, limit=limit)


async def _campaign_problems(session: AsyncSession, now: datetime, limit: int) -> list[Row]:
    return await overdue.overdue_campaign_problems(session, now=now, limit=limit)


def _late_plans(county: str, plan_days: int) -> Find:
    async def find(session: AsyncSession, now: datetime, limit: int) -> list[Row]:
        return await overdue.late_plans(
            session, county_code=county, plan_days=plan_days, now=now, limit=limit
        )

    return find


def _plan_due(plan_days: int) -> Due:
    def due(row: Row) -> tuple[str, datetime]:
        return f"{row['id']}:{row['approved_on']}", day_end(
            row["approved_on"] + timedelta(plan_days)
        )

    return due


async def sweep_overdue(runtime: AssistanceRuntime, *, batch_size: int = 500) -> int:
    """Flag every deadline passed since the last sweep, once per stage and reference."""
    now = local_now(runtime)

    async def stage(name: str, find: Find, due: Due) -> int:
        step = _flagging(name, find, due, now, batch_size)
        return await sweep(runtime.uow, step, batch_size=batch_size)

    raised = await stage(
        "identification", _identifications, lambda r: (str(r["ident_id"]), r["due_at"])
    )
    async with runtime.sessionmaker() as session:
        counties = await overdue.household_counties(session)
    for county in counties:
        async with runtime.sessionmaker() as session:
            days = await deadline_days(session, county_code=county, name="plan_days", on=now.date())
        raised += await stage("plan", _late_plans(county, days), _plan_due(days))
    raised += await stage(
        "campaign_problem",
        _campaign_problems,
        lambda r: (str(r["problem_id"]), day_end(r["deadline"])),
    )
    return raised


# the sweep runs once per round whatever the number of replicas (a lease in Postgres)
deadline_loop = periodic(
    "assistance.deadlines",
    every=lambda settings: settings.deadline_sweep_seconds,
    jobs=[sweep_overdue, sweep_missed_visits, sweep_data_quality, open_scheduled_screenings],
)
