"""Assistance plans: one row per plan made, its measures as JSON."""

import uuid
from typing import Any

from shouwang.assistance.adapters.tables import plans
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession


async def add_plan(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record a plan made."""
    await session.execute(insert(plans).values(**values))


async def measures_of(session: AsyncSession, household_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every measure of every plan of a household."""
    stmt = select(plans.c.measures).where(plans.c.household_id == household_id)
    return [m for (measures,) in (await session.execute(stmt)).all() for m in measures]
