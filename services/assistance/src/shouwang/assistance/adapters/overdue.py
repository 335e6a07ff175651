"""What the deadline sweep reads and writes: overdue candidates, locked, and their once-only flags.

A flag is a row of `deadline_flags` keyed by (stage, reference): the first transaction to insert
it raises the overdue event, every later one finds it there (common.db.deadlines.claim_once).
"""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from shouwang.assistance.adapters.tables import (
    campaign_problems,
    deadline_flags,
    followups,
    households,
    identifications,
    plans,
)
from shouwang.common.db.deadlines import claim_once
from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
LATE_STATUSES = ("monitored", "deferred_exit")


async def claim_flag(
    session: AsyncSession,
    *,
    stage: str,
    ref: str,
    household_id: uuid.UUID,
    due_at: datetime,
    now: datetime,
) -> bool:
    """Record the flag of a stage and reference; False if it was flagged before."""
    values = {"stage": stage, "ref": ref, "household_id": household_id, "due_at": due_at}
    return await claim_once(session, table=deadline_flags, values={**values, "flagged_at": now})


async def overdue_identifications(session: AsyncSession, *, now: datetime, limit: int) -> list[Row]:
    """Households whose open identification is past due and unflagged (`ident_id`, `due_at`)."""
    i = identifications.c
    stmt = (
        select(households, i.id.label("ident_id"), i.due_at)
        .join(identifications, i.household_id == households.c.id)
        .where(i.status == "open", i.due_at < now, _not_flagged("identification", _as_text(i.id)))
        .order_by(i.due_at)
    )
    return await _locked(session, stmt, limit)


async def late_plans(
    session: AsyncSession, *, county_code: str, plan_days: int, now: datetime, limit: int
) -> list[Row]:
    """The county's monitored households with no plan `plan_days` after approval, unflagged."""
    h = households.c
    cutoff = now.date() - timedelta(days=plan_days)
    ref = _as_text(h.id) + ":" + _as_text(h.approved_on)
    has_plan = exists().where(plans.c.household_id == h.id, plans.c.made_on >= h.approved_on)
    stmt = (
        select(households)
        .where(h.county_code == county_code, h.status.in_(LATE_STATUSES), h.approved_on < cutoff)
        .where(~has_plan, _not_flagged("plan", ref))
        .order_by(h.approved_on, h.id)
    )
    return await _locked(session, stmt, limit)


async def overdue_campaign_problems(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[Row]:
    """Households with an open campaign problem past its deadline, unflagged (`problem_id`)."""
    p = campaign_problems.c
    stmt = (
        select(households, p.id.label("problem_id"), p.deadline)
        .join(campaign_problems, p.household_id == households.c.id)
        .where(p.status == "open", p.deadline < now.date())
        .where(_not_flagged("campaign_problem", _as_text(p.id)))
        .order_by(p.deadline)
    )
    return await _locked(session, stmt, limit)


async def unvisited(
    session: AsyncSession,
    *,
    stage: str,
    month: str,
    since: date,
    statuses: tuple[str, ...],
    limit: int,
) -> list[Row]:
    """Households in `statuses`, monitored since `since` or before, without a follow-up in
    `month` (YYYY-MM) and not flagged `stage` for it."""
    h = households.c
    ref = _as_text(h.id) + f":{month}"
    visited = exists().where(followups.c.household_id == h.id, followups.c.month == month)
    stmt = (
        select(households)
        .where(h.status.in_(statuses), h.monitored_since <= since)
        .where(~visited, _not_flagged(stage, ref))
        .order_by(h.id)
    )
    return await _locked(session, stmt, limit, of=None)


async def flags_of(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """A household's deadline flags, oldest first."""
    f = deadline_flags.c
    stmt = select(deadline_flags).where(f.household_id == household_id)
    stmt = stmt.order_by(f.flagged_at, f.stage)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def household_counties(session: AsyncSession) -> list[str]:
    """Every county with a household in the registry."""
    found = await session.execute(select(households.c.county_code).distinct())
    return list(found.scalars())


async def _locked(
    session: AsyncSession, stmt: Select[Any], limit: int, *, of: Any = households
) -> list[Row]:
    """Up to `limit` rows, locked (rows other sweeps hold skipped): the households' rows, or
    every row of the statement when `of` is None."""
    locked = stmt.limit(limit).with_for_update(skip_locked=True, of=of)
    return [dict(r) for r in (await session.execute(locked)).mappings()]


def _not_flagged(stage: str, ref: Any) -> Any:
    return ~exists().where(deadline_flags.c.stage == stage, deadline_flags.c.ref == ref)


def _as_text(column: Any) -> Any:
    """A column cast to text (flag references are text)."""
    return column.cast(deadline_flags.c.ref.type)
