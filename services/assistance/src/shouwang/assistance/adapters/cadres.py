"""The households' responsible cadres: one current row per household, the ended ones kept."""

import uuid
from datetime import datetime
from typing import Any

from shouwang.assistance.adapters.tables import household_cadres
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
_C = household_cadres.c


async def current(session: AsyncSession, household_id: uuid.UUID) -> Row | None:
    """The household's cadre now (None if none was named)."""
    stmt = select(household_cadres).where(_C.household_id == household_id, _C.ended_at.is_(None))
    found = (await session.execute(stmt)).mappings().first()
    return dict(found) if found else None


async def every(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """Every cadre the household had, oldest first."""
    stmt = select(household_cadres).where(_C.household_id == household_id).order_by(_C.assigned_at)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def end(session: AsyncSession, cadre_id: uuid.UUID, *, at: datetime, by: str) -> None:
    """End a cadre's assignment."""
    await session.execute(
        update(household_cadres).where(_C.id == cadre_id).values(ended_at=at, ended_by=by)
    )


async def add(session: AsyncSession, row: Row) -> None:
    """Record a newly named cadre."""
    await session.execute(insert(household_cadres).values(**row))
