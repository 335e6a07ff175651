"""Assistance plans: one row per plan made, its measures as JSON; the ledger of them all."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

from shouwang.assistance.adapters.repository import in_area
from shouwang.assistance.adapters.tables import households, plans
from shouwang.common.db.streaming import stream_mappings
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

# a ledger row: the plan, and the household it is for (masked head only)
LEDGER_COLUMNS = (
    plans.c.id,
    plans.c.cadre_name,
    plans.c.measures,
    plans.c.made_on,
    plans.c.due_on,
    plans.c.late,
    plans.c.created_at,
    households.c.id.label("household_id"),
    households.c.township_code,
    households.c.village_code,
    households.c.head_name_masked,
    households.c.category,
    households.c.status,
)


async def add_plan(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record a plan made."""
    await session.execute(insert(plans).values(**values))


async def measures_of(session: AsyncSession, household_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every measure of every plan of a household."""
    stmt = select(plans.c.measures).where(plans.c.household_id == household_id)
    return [m for (measures,) in (await session.execute(stmt)).all() for m in measures]


async def plans_of(session: AsyncSession, household_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every plan of a household, oldest first."""
    stmt = select(plans).where(plans.c.household_id == household_id).order_by(plans.c.created_at)
    return [dict(p) for p in (await session.execute(stmt)).mappings()]


def ledger_rows(
    session: AsyncSession, *, region: str | None, filters: dict[str, Any], limit: int
) -> AsyncIterator[RowMapping]:
    """The plans of a region's households matching the list filters, oldest first (a cursor)."""
    joined = select(*LEDGER_COLUMNS).join(households, households.c.id == plans.c.household_id)
    stmt = in_area(joined, region=region, filters=filters).order_by(plans.c.created_at, plans.c.id)
    return stream_mappings(session, stmt.limit(limit), yield_per=1000)
