"""Deadline sweep: overdue identifications, late plans, overdue campaign problems and missed
monthly visits, once each."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.tables import (
    campaign_problems,
    deadline_flags,
    households,
    identifications,
    plans,
)
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.data_quality import sweep_data_quality
from shouwang.assistance.service.policy import deadline_days
from shouwang.assistance.service.screening import open_scheduled_screenings
from shouwang.assistance.service.timekeeping import local_now
from shouwang.assistance.service.visits import sweep_missed_visits
from shouwang.common.clock import SHANGHAI
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import DeadlineOverdue
from shouwang.common.periodic import periodic
from sqlalchemy import Select, exists, select
from sqlalchemy.dialects.postgresql import insert

Row = dict[str, Any]
ACTOR = "deadline-sweep"
LATE_STATUSES = ("monitored", "deferred_exit")


def day_end(day: date) -> datetime:
    """The instant a day-granular deadline passes: the next day's 00:00 in Asia/Shanghai."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def _not_flagged(stage: str, ref: Any) -> Any:
    return ~exists().where(deadline_flags.c.stage == stage, deadline_flags.c.ref == ref)


async def flag_once(
    uow: UnitOfWork, row: Row, *, stage: str, ref: str, due_at: datetime, now: datetime
) -> bool:
    """Record the flag and stage its event unless this stage and reference were flagged before."""
    stmt = (
        insert(deadline_flags)
        .values(stage=stage, ref=ref, household_id=row["id"], due_at=due_at, flagged_at=now)
        .on_conflict_do_nothing()
        .returning(deadline_flags.c.ref)
    )
    if (await uow.session.execute(stmt)).first() is None:
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


Finder = Callable[[datetime], Select[Any]]
Due = Callable[[Row], tuple[str, datetime]]


async def _sweep(
    runtime: AssistanceRuntime, stage: str, find: Finder, due: Due, batch_size: int
) -> int:
    now = local_now(runtime)
    raised = 0
    while True:
        async with runtime.uow() as uow:
            stmt = find(now).limit(batch_size).with_for_update(skip_locked=True, of=households)
            rows = [dict(r) for r in (await uow.session.execute(stmt)).mappings()]
            changed = 0
            for row in rows:
                ref, due_at = due(row)
                changed += await flag_once(uow, row, stage=stage, ref=ref, due_at=due_at, now=now)
            await uow.commit()
        raised += changed
        if changed == 0 or len(rows) < batch_size:
            return raised


def _identifications(now: datetime) -> Select[Any]:
    i = identifications.c
    return (
        select(households, i.id.label("ident_id"), i.due_at)
        .join(identifications, i.household_id == households.c.id)
        .where(i.status == "open", i.due_at < now, _not_flagged("identification", _as_text(i.id)))
        .order_by(i.due_at)
    )


def _as_text(column: Any) -> Any:
    """A column cast to text (flag references are text)."""
    return column.cast(deadline_flags.c.ref.type)


def _late_plans(county: str, plan_days: int) -> Finder:
    def find(now: datetime) -> Select[Any]:
        h = households.c
        cutoff = now.date() - timedelta(days=plan_days)
        ref = _as_text(h.id) + ":" + _as_text(h.approved_on)
        has_plan = exists().where(plans.c.household_id == h.id, plans.c.made_on >= h.approved_on)
        return (
            select(households)
            .where(h.county_code == county, h.status.in_(LATE_STATUSES), h.approved_on < cutoff)
            .where(~has_plan, _not_flagged("plan", ref))
            .order_by(h.approved_on, h.id)
        )

    return find


def _campaign_problems(now: datetime) -> Select[Any]:
    p = campaign_problems.c
    return (
        select(households, p.id.label("problem_id"), p.deadline)
        .join(campaign_problems, p.household_id == households.c.id)
        .where(p.status == "open", p.deadline < now.date())
        .where(_not_flagged("campaign_problem", _as_text(p.id)))
        .order_by(p.deadline)
    )


def _plan_due(plan_days: int) -> Due:
    def due(row: Row) -> tuple[str, datetime]:
        return f"{row['id']}:{row['approved_on']}", day_end(
            row["approved_on"] + timedelta(plan_days)
        )

    return due


async def sweep_overdue(runtime: AssistanceRuntime, *, batch_size: int = 500) -> int:
    """Flag every deadline passed since the last sweep, once per stage and reference."""
    today = local_now(runtime).date()
    raised = await _sweep(
        runtime,
        "identification",
        _identifications,
        lambda r: (str(r["ident_id"]), r["due_at"]),
        batch_size,
    )
    async with runtime.sessionmaker() as session:
        found = await session.execute(select(households.c.county_code).distinct())
        counties = list(found.scalars())
    for county in counties:
        async with runtime.sessionmaker() as session:
            days = await deadline_days(session, county_code=county, name="plan_days", on=today)
        raised += await _sweep(
            runtime, "plan", _late_plans(county, days), _plan_due(days), batch_size
        )
    raised += await _sweep(
        runtime,
        "campaign_problem",
        _campaign_problems,
        lambda r: (str(r["problem_id"]), day_end(r["deadline"])),
        batch_size,
    )
    return raised


# the sweep runs once per round whatever the number of replicas (a lease in Postgres)
deadline_loop = periodic(
    "assistance.deadlines",
    every=lambda settings: settings.deadline_sweep_seconds,
    jobs=[sweep_overdue, sweep_missed_visits, sweep_data_quality, open_scheduled_screenings],
)
