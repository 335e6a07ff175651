"""Screening campaigns, their problems (the four lists) and each township's completion."""

import uuid
from datetime import date
from typing import Any

from shouwang.assistance.adapters.tables import (
    campaign_problems,
    campaign_townships,
    campaigns,
    households,
)
from sqlalchemy import Select, and_, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
_P = campaign_problems.c


async def get_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> Row | None:
    """A campaign by id, or None."""
    stmt = select(campaigns).where(campaigns.c.id == campaign_id)
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row is not None else None


async def all_campaigns(session: AsyncSession) -> list[Row]:
    """Every campaign, newest first."""
    stmt = select(campaigns).order_by(campaigns.c.starts_on.desc(), campaigns.c.created_at.desc())
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def add_campaign(session: AsyncSession, values: Row) -> None:
    """Record a campaign a county opened."""
    await session.execute(insert(campaigns).values(**values))


async def open_scheduled(session: AsyncSession, values: Row) -> bool:
    """Record a scheduled screening unless the county's one of that kind and period exists."""
    stmt = (
        pg_insert(campaigns)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["county_code", "kind", "period"],
            index_where=text("period IS NOT NULL"),
        )
        .returning(campaigns.c.id)
    )
    return (await session.execute(stmt)).first() is not None


async def township_progress(
    session: AsyncSession, campaign_id: uuid.UUID, today: date, region: str | None
) -> list[Any]:
    """(township_code, found, closed, overdue, late) per township, within `region` if given."""
    closed = _P.status == "closed"
    stmt = (
        select(
            _P.township_code,
            func.count().label("found"),
            func.count().filter(closed).label("closed"),
            func.count().filter(and_(~closed, _P.deadline < today)).label("overdue"),
            func.count().filter(and_(closed, func.date(_P.closed_at) > _P.deadline)).label("late"),
        )
        .where(_P.campaign_id == campaign_id)
        .group_by(_P.township_code)
        .order_by(_P.township_code)
    )
    if region:
        stmt = stmt.where(_P.village_code.startswith(region))
    return list(await session.execute(stmt))


async def completed_townships(session: AsyncSession, campaign_id: uuid.UUID) -> list[Row]:
    """The townships that reported the campaign's screening complete."""
    stmt = select(campaign_townships).where(campaign_townships.c.campaign_id == campaign_id)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def complete_township(session: AsyncSession, values: Row) -> None:
    """Record a township's completion (a second report changes nothing)."""
    await session.execute(pg_insert(campaign_townships).values(**values).on_conflict_do_nothing())


def _problems() -> Select[Any]:
    """Problems joined with their household's masked head name."""
    return select(campaign_problems, households.c.head_name_masked).outerjoin(
        households, households.c.id == _P.household_id
    )


async def scoped_problems(
    session: AsyncSession, campaign_id: uuid.UUID, *, region: str | None, township: str | None
) -> list[Row]:
    """A campaign's problems (within a village-prefix region, of a township), oldest first."""
    stmt = _problems().where(_P.campaign_id == campaign_id)
    if region:
        stmt = stmt.where(_P.village_code.startswith(region))
    if township:
        stmt = stmt.where(_P.township_code == township)
    stmt = stmt.order_by(_P.village_code, _P.seq)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def get_problem(
    session: AsyncSession, campaign_id: uuid.UUID, problem_id: uuid.UUID, *, for_update: bool
) -> Row | None:
    """One problem of a campaign (its row locked when `for_update`), or None."""
    stmt = _problems().where(_P.id == problem_id, _P.campaign_id == campaign_id)
    if for_update:
        stmt = stmt.with_for_update(of=campaign_problems)
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row is not None else None


async def add_problem(session: AsyncSession, values: Row) -> None:
    """Record a problem found."""
    await session.execute(insert(campaign_problems).values(**values))


async def close_problem(session: AsyncSession, problem_id: uuid.UUID, **changes: Any) -> None:
    """Record a problem's 销号."""
    await session.execute(update(campaign_problems).where(_P.id == problem_id).values(**changes))
