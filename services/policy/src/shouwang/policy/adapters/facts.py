"""The what-if facts: record a household's month, keep a county-department's latest items, read."""

from collections.abc import Collection, Sequence
from typing import Any

from shouwang.policy.adapters.tables import followup_facts, item_facts
from sqlalchemy import ColumnElement, RowMapping, delete, func, select
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

COUNTY_LENGTH = 6


async def record_followup(session: AsyncSession, row: dict[str, Any]) -> None:
    """Upsert a household's month; an older record of the month never replaces a newer one."""
    stmt = insert(followup_facts).values(**row)
    keys = ("household_id", "month")
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={k: stmt.excluded[k] for k in row if k not in keys},
        where=followup_facts.c.recorded_at <= stmt.excluded.recorded_at,
    )
    await session.execute(stmt)


async def replace_items(
    session: AsyncSession,
    *,
    county_code: str,
    department: str,
    period: str,
    rows: Sequence[dict[str, Any]],
) -> bool:
    """Add a chunk of the county-department's items if its period is the latest (an older
    period's items are dropped); False for a chunk of a period older than the latest."""
    t = item_facts.c
    mine = (t.county_code == county_code) & (t.department == department)
    latest = (await session.execute(select(func.max(t.period)).where(mine))).scalar()
    if latest is not None and period < latest:
        return False
    if latest is not None and period > latest:
        await session.execute(delete(item_facts).where(mine, t.period < period))
    if rows:
        await session.execute(insert(item_facts).values(list(rows)).on_conflict_do_nothing())
    return True


def _in_region(column: Any, region_code: str) -> ColumnElement[bool]:
    if len(region_code) == COUNTY_LENGTH:
        return column == region_code  # type: ignore[no-any-return]
    return column.startswith(region_code, autoescape=True)  # type: ignore[no-any-return]


async def latest_months(
    conn: AsyncConnection, *, region_code: str, month: str
) -> Sequence[RowMapping]:
    """Each household's latest recorded month up to `month`, in the region's counties."""
    f = followup_facts.c
    stmt = (
        select(followup_facts)
        .where(_in_region(f.county_code, region_code), f.month <= month)
        .order_by(f.household_id, f.month.desc())
        .ext(distinct_on(f.household_id))
    )
    return (await conn.execute(stmt)).mappings().all()


async def items_of(
    conn: AsyncConnection, *, region_code: str, indicators: Collection[str]
) -> Sequence[RowMapping]:
    """The latest filed items of the region's counties under the given indicators."""
    t = item_facts.c
    stmt = (
        select(item_facts)
        .where(_in_region(t.county_code, region_code), t.indicator.in_(list(indicators)))
        .order_by(t.county_code, t.township_code, t.item_id)
    )
    return (await conn.execute(stmt)).mappings().all()
