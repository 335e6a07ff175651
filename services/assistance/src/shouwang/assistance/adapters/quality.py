"""The data-quality sweep's findings, one row per household, and what the checks read."""

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from shouwang.assistance.adapters.tables import data_quality, households, members, plans
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
_Q = data_quality.c


async def households_after(
    session: AsyncSession, after: uuid.UUID | None, *, limit: int
) -> list[Row]:
    """Up to `limit` households in id order, after `after` (from the first when None)."""
    stmt = select(households).order_by(households.c.id).limit(limit)
    if after is not None:
        stmt = stmt.where(households.c.id > after)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def labours(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Each household's members' labour capacities."""
    stmt = select(members.c.household_id, members.c.labour).where(members.c.household_id.in_(ids))
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for household_id, labour in await session.execute(stmt):
        found[household_id].append(labour)
    return found


async def measure_types(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The types of every measure of each household's plans."""
    stmt = select(plans.c.household_id, plans.c.measures).where(plans.c.household_id.in_(ids))
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for household_id, measures in await session.execute(stmt):
        found[household_id].extend(m["type"] for m in measures)
    return found


async def standing_flags(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The flags the last sweep left on each household."""
    stmt = select(_Q.household_id, _Q.flags).where(_Q.household_id.in_(ids))
    return {household_id: list(flags) for household_id, flags in await session.execute(stmt)}


async def put_flags(session: AsyncSession, household_id: uuid.UUID, values: Row) -> None:
    """Record a household's flags as of this sweep (replacing the last)."""
    stmt = insert(data_quality).values(household_id=household_id, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["household_id"], set_=values))


async def last_checked(session: AsyncSession) -> datetime | None:
    """When the last sweep checked a household."""
    last: datetime | None = (await session.execute(select(func.max(_Q.checked_at)))).scalar()
    return last


async def flagged(
    session: AsyncSession,
    *,
    county: str,
    region: str | None,
    township: str | None,
    flag: str | None,
    limit: int | None,
    offset: int,
) -> list[Row]:
    """The county's households with a standing flag (masked head, status), by place."""
    stmt = (
        select(data_quality, households.c.head_name_masked, households.c.status)
        .join(households, households.c.id == _Q.household_id)
        .where(_Q.county_code == county, _Q.flags != [])
        .order_by(_Q.township_code, _Q.village_code, _Q.household_id)
    )
    if region:
        stmt = stmt.where(_Q.village_code.startswith(region))
    if township:
        stmt = stmt.where(_Q.township_code == township)
    if flag:
        stmt = stmt.where(_Q.flags.contains([flag]))
    stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]
