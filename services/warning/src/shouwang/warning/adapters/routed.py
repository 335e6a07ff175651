"""What routing reads and writes in one pass: the county-period lock, people's open tasks, rows.

Routing plans in memory and writes once: every kind of row it makes goes in with one COPY.
"""

from collections.abc import Mapping
from typing import Any

from shouwang.common.db.bulk import copy_rows
from shouwang.warning.adapters.registry import any_ref
from shouwang.warning.adapters.tables import (
    OPEN_STATUSES,
    below_threshold,
    signals,
    task_history,
    tasks,
    unroutable,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

# the rows a routing pass writes, by kind, in the order they are written
ROUTED_TABLES = {
    "tasks": tasks,
    "signals": signals,
    "history": task_history,
    "unroutable": unroutable,
    "below_threshold": below_threshold,
}


async def lock_county_period(session: AsyncSession, county_code: str, period: str) -> None:
    """Serialise task creation for one county and period (dedup must see every open task)."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"{county_code}:{period}")))
    )


async def open_tasks_of(
    session: AsyncSession, refs: list[str], period: str
) -> dict[str, tuple[str, str]]:
    """person_ref -> (task id, township) of these persons' open tasks of the period."""
    stmt = select(tasks.c.person_ref, tasks.c.id, tasks.c.township_code).where(
        tasks.c.period == period,
        tasks.c.status.in_(OPEN_STATUSES),
        tasks.c.person_ref == any_ref(refs),
    )
    rows = await session.execute(stmt)
    return {r.person_ref: (str(r.id), r.township_code) for r in rows}


async def write_routed(session: AsyncSession, rows: Mapping[str, list[dict[str, Any]]]) -> None:
    """Insert the rows a routing pass planned, kind by kind (one COPY each)."""
    for kind, table in ROUTED_TABLES.items():
        await copy_rows(session, table, rows[kind])
