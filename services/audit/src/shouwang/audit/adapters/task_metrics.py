"""The task supervision tables: each task's state, counters per township and month, push
compliance and the hours-to-verify histogram. Written in the consumer's transaction, read by the
dashboard (small tables; no scan of the raw log)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shouwang.audit.adapters.tables import COUNTY_TOTAL as COUNTY_TOTAL
from shouwang.audit.adapters.tables import compliance, task_counts, task_state, verify_hours
from shouwang.common.db.deadlines import colour_case
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Row = dict[str, Any]
Cell = tuple[Any, ...]  # (county, period, township)
_COUNT_KEY = ["county_code", "period", "township_code"]


async def lock_task(session: AsyncSession, task_id: str) -> Row | None:
    """A task's state, locked for the transaction; None if the task is unknown."""
    stmt = select(task_state).where(task_state.c.task_id == task_id).with_for_update()
    found = (await session.execute(stmt)).mappings().first()
    return dict(found) if found is not None else None


async def lock_tasks(session: AsyncSession, task_ids: set[str]) -> dict[str, Row]:
    """The known tasks' states by id, locked for the transaction."""
    stmt = select(task_state).where(task_state.c.task_id.in_(task_ids)).with_for_update()
    return {row["task_id"]: dict(row) for row in (await session.execute(stmt)).mappings()}


async def add_task(session: AsyncSession, row: Row) -> None:
    """Record a task first seen."""
    await session.execute(insert(task_state).values(**row))


async def add_new_tasks(session: AsyncSession, rows: list[Row]) -> list[Cell]:
    """Record the tasks not known yet; the (county, period, township) of each one added."""
    stmt = (
        insert(task_state)
        .on_conflict_do_nothing()
        .returning(task_state.c.county_code, task_state.c.period, task_state.c.township_code)
    )
    return [tuple(r) for r in (await session.execute(stmt, rows)).all()]


async def update_task(session: AsyncSession, task_id: Any, **values: Any) -> None:
    """Change columns of a task's state."""
    await session.execute(
        update(task_state).where(task_state.c.task_id == task_id).values(**values)
    )


async def mark_overdue_many(session: AsyncSession, updates: list[dict[str, Any]]) -> None:
    """Record many escalations (`key`: task id, `stage`, `due`) in one statement."""
    stmt = (
        update(task_state)
        .where(task_state.c.task_id == bindparam("key"))
        .values(overdue_stage=bindparam("stage"), overdue_due_at=bindparam("due"))
    )
    await session.execute(stmt, updates)


async def add_counts(session: AsyncSession, cell: Cell, deltas: dict[str, int]) -> None:
    """Add to counters of one (county, period, township)."""
    county, period, township = cell
    stmt = insert(task_counts).values(
        county_code=county, period=period, township_code=township, **deltas
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=_COUNT_KEY,
            set_={k: task_counts.c[k] + stmt.excluded[k] for k in deltas},
        )
    )


async def add_counts_many(session: AsyncSession, rows: list[Row], columns: Sequence[str]) -> None:
    """Add to the `columns` counters of many cells at once (each row: the cell and its deltas)."""
    stmt = insert(task_counts)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=_COUNT_KEY,
            set_={k: task_counts.c[k] + stmt.excluded[k] for k in columns},
        ),
        rows,
    )


async def add_compliance(
    session: AsyncSession, row: Row, deltas: dict[str, int], *, missing: bool
) -> None:
    """Add to a department's push counters of a month (and note a missing push)."""
    stmt = insert(compliance).values(**row, missing=missing, **deltas)
    sets = {name: compliance.c[name] + stmt.excluded[name] for name in deltas}
    sets["missing"] = compliance.c.missing | stmt.excluded.missing
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["county_code", "department", "period"], set_=sets
        )
    )


async def add_verify_hour(session: AsyncSession, *, county: Any, period: Any, hours: int) -> None:
    """Count one task verified after `hours` in the month's histogram."""
    stmt = insert(verify_hours).values(county_code=county, period=period, hours=hours, count=1)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["county_code", "period", "hours"],
            set_={"count": verify_hours.c.count + 1},
        )
    )


async def compliance_rows(conn: AsyncConnection, county: str, period: str) -> dict[str, Row]:
    """Each department's push counters of the county for the month."""
    stmt = select(compliance).where(
        compliance.c.county_code == county, compliance.c.period == period
    )
    return {r["department"]: dict(r) for r in (await conn.execute(stmt)).mappings()}


async def township_counts(conn: AsyncConnection, county: str, period: str) -> list[Row]:
    """The counters of each township of the county for the month."""
    stmt = select(task_counts).where(
        task_counts.c.county_code == county,
        task_counts.c.period == period,
        task_counts.c.township_code != COUNTY_TOTAL,
    )
    return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def county_counts(conn: AsyncConnection, county: str, period: str) -> Row | None:
    """The county-wide counters for the month, if any."""
    stmt = select(task_counts).where(
        task_counts.c.county_code == county,
        task_counts.c.period == period,
        task_counts.c.township_code == COUNTY_TOTAL,
    )
    row = (await conn.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def county_counts_up_to(
    conn: AsyncConnection, county: str, period: str, months: int
) -> list[Row]:
    """The county-wide counters of the last `months` months up to `period`, newest first."""
    stmt = (
        select(task_counts)
        .where(
            task_counts.c.county_code == county,
            task_counts.c.township_code == COUNTY_TOTAL,
            task_counts.c.period <= period,
        )
        .order_by(task_counts.c.period.desc())
        .limit(months)
    )
    return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def count_sums(
    conn: AsyncConnection, county: str, periods: list[str], columns: Sequence[str]
) -> list[Row]:
    """The `columns` counters summed over the months, per township (county total included)."""
    sums = [func.coalesce(func.sum(task_counts.c[k]), 0).label(k) for k in columns]
    stmt = (
        select(task_counts.c.township_code, *sums)
        .where(task_counts.c.county_code == county, task_counts.c.period.in_(periods))
        .group_by(task_counts.c.township_code)
    )
    return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def verify_hour_counts(
    conn: AsyncConnection, county: str, periods: list[str]
) -> list[tuple[int, int]]:
    """(hours, tasks) of the histogram over the months, by hours."""
    result = await conn.execute(
        select(verify_hours.c.hours, func.sum(verify_hours.c.count))
        .where(verify_hours.c.county_code == county, verify_hours.c.period.in_(periods))
        .group_by(verify_hours.c.hours)
        .order_by(verify_hours.c.hours)
    )
    return [(int(hours), int(count)) for hours, count in result.all()]


async def overdue_open_tasks(conn: AsyncConnection, county: str, limit: int) -> list[Row]:
    """Open tasks past a deadline, the longest overdue first."""
    stmt = (
        select(task_state)
        .where(
            task_state.c.county_code == county,
            task_state.c.overdue_stage.is_not(None),
            task_state.c.closed_at.is_(None),
        )
        .order_by(task_state.c.overdue_due_at)
        .limit(limit)
    )
    return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def colour_counts(
    conn: AsyncConnection, county: str, now: datetime, amber_ratio: float
) -> list[tuple[str, str, int]]:
    """(township, colour, tasks) of the county's tasks with a running deadline."""
    start = func.coalesce(task_state.c.deadline_start, task_state.c.due_at)
    colour = colour_case(
        now, started_at=start, due_at=task_state.c.due_at, amber_ratio=amber_ratio
    ).label("colour")
    rows = await conn.execute(
        select(task_state.c.township_code, colour, func.count())
        .where(task_state.c.county_code == county, task_state.c.due_at.is_not(None))
        .group_by(task_state.c.township_code, colour)
    )
    return [(township, name, int(count)) for township, name, count in rows.all()]
