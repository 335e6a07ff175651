"""Monthly follow-ups (月走访): a row per household and month; recorded again, it is replaced."""

import uuid
from typing import Any

from shouwang.assistance.adapters.tables import followups
from shouwang.assistance.domain.followup import MonthIncome
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
_F = followups.c


async def month_incomes(session: AsyncSession, household_id: uuid.UUID) -> list[MonthIncome]:
    """Every recorded month of a household, oldest first."""
    stmt = (
        select(_F.month, _F.income, _F.expense)
        .where(_F.household_id == household_id)
        .order_by(_F.month)
    )
    rows = (await session.execute(stmt)).all()
    return [MonthIncome(month=m, income=i, expense=e) for m, i, e in rows]


async def followups_of(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """Every follow-up row of a household, oldest month first."""
    stmt = select(followups).where(_F.household_id == household_id).order_by(_F.month)
    return [dict(f) for f in (await session.execute(stmt)).mappings()]


async def save_month(
    session: AsyncSession, household_id: uuid.UUID, month: str, values: Row
) -> None:
    """Record a household's month (replacing what was recorded for it before)."""
    stmt = insert(followups).values(household_id=household_id, month=month, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[_F.household_id, _F.month], set_=values)
    )
