"""The household supervision tables: each household's state, monitoring objects per township,
identification and plan timeliness per month, campaign rectification. Written in the consumer's
transaction, read by the dashboard and the consultation report."""

from collections.abc import Sequence
from typing import Any

from shouwang.audit.adapters.tables import COUNTY_TOTAL as COUNTY_TOTAL
from shouwang.audit.adapters.tables import (
    household_counts,
    household_state,
    rectification,
    timeliness,
)
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Row = dict[str, Any]


async def lock_household(session: AsyncSession, household_id: str) -> Row | None:
    """A household's state, locked for the transaction; None if unknown."""
    stmt = (
        select(household_state)
        .where(household_state.c.household_id == household_id)
        .with_for_update()
    )
    found = (await session.execute(stmt)).mappings().first()
    return dict(found) if found else None


async def put_household(session: AsyncSession, state: Row) -> None:
    """Record a household's state (insert or replace all but its id)."""
    stmt = insert(household_state).values(**state)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["household_id"],
            set_={k: stmt.excluded[k] for k in state if k != "household_id"},
        )
    )


async def count_first_plan(session: AsyncSession, state: Row) -> bool:
    """Mark the household's first plan counted; False if one was counted before."""
    values = insert(household_state).values(**state, plan_counted=True)
    stmt = values.on_conflict_do_update(
        index_elements=["household_id"],
        set_={"plan_counted": True},
        where=household_state.c.plan_counted.is_(False),
    ).returning(household_state.c.household_id)
    return (await session.execute(stmt)).first() is not None


async def add_household_count(
    session: AsyncSession, county: str, township: str, dimension: str, value: str, delta: int
) -> None:
    """Add `delta` monitoring objects to one (township, dimension, value) cell."""
    stmt = insert(household_counts).values(
        county_code=county, township_code=township, dimension=dimension, value=value, count=delta
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["county_code", "township_code", "dimension", "value"],
            set_={"count": household_counts.c.count + delta},
        )
    )


async def add_timeliness(session: AsyncSession, cell: Row, *, on_time: bool) -> None:
    """Count one identification or first plan (on time or not) in a (county, period, township,
    kind) cell."""
    stmt = insert(timeliness).values(**cell, total=1, on_time=int(on_time))
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["county_code", "period", "township_code", "kind"],
            set_={
                "total": timeliness.c.total + 1,
                "on_time": timeliness.c.on_time + stmt.excluded.on_time,
            },
        )
    )


async def add_rectification(session: AsyncSession, cell: Row, deltas: dict[str, int]) -> None:
    """Add to the problem counters of a (county, campaign, township) cell."""
    stmt = insert(rectification).values(**cell, **deltas)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["county_code", "campaign_id", "township_code"],
            set_={k: rectification.c[k] + stmt.excluded[k] for k in deltas},
        )
    )


async def timeliness_sums(
    conn: AsyncConnection, county: str, periods: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """(total, on time) of each kind over the months, county-wide."""
    rows = await conn.execute(
        select(timeliness.c.kind, func.sum(timeliness.c.total), func.sum(timeliness.c.on_time))
        .where(
            timeliness.c.county_code == county,
            timeliness.c.period.in_(list(periods)),
            timeliness.c.township_code == COUNTY_TOTAL,
        )
        .group_by(timeliness.c.kind)
    )
    return {kind: (int(total), int(on_time)) for kind, total, on_time in rows.all()}


async def household_count_rows(conn: AsyncConnection, county: str) -> list[Row]:
    """The county's non-zero monitoring-object cells."""
    stmt = select(household_counts).where(
        household_counts.c.county_code == county, household_counts.c.count != 0
    )
    return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def rectification_sums(conn: AsyncConnection, county: str) -> dict[str, Row]:
    """Problems recorded, closed and closed on time over every campaign, per township."""
    rows = await conn.execute(
        select(
            rectification.c.township_code,
            func.sum(rectification.c.recorded),
            func.sum(rectification.c.closed),
            func.sum(rectification.c.closed_on_time),
        )
        .where(rectification.c.county_code == county)
        .group_by(rectification.c.township_code)
    )
    return {
        t: {"recorded": int(r), "closed": int(c), "closed_on_time": int(o)}
        for t, r, c, o in rows.all()
    }
