"""Reading tasks in SQL: what a principal may see, the deadline colour, lists, details, exports."""

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.deadlines import colour_case
from shouwang.common.db.paging import keyset_page
from shouwang.common.db.streaming import stream_mappings
from shouwang.common.failures import Forbidden
from shouwang.common.policy.national import NATIONAL
from shouwang.warning.adapters.tables import signals, task_history, tasks
from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]


@dataclass(frozen=True)
class TaskView:
    """Which tasks a list shows: the principal's scope, its filters, the colours' basis."""

    principal: Principal
    now: datetime
    amber_ratio: Mapping[str, float]
    filters: dict[str, str | None]


def scope_filter(principal: Principal) -> ColumnElement[bool]:
    """The rows a principal may see."""
    if principal.role == "auditor":
        return true()
    if principal.role == "village":
        return tasks.c.assigned_village == principal.scope
    if principal.role == "township":
        return tasks.c.township_code == principal.scope
    if principal.role in ("county", "province"):
        return tasks.c.county_code.startswith(principal.scope)
    raise Forbidden("当前角色无权查看核实任务", code="forbidden_role")


def amber_expr(ratios: Mapping[str, float]) -> ColumnElement[float]:
    """Each task's county amber ratio (the national one for a county not listed)."""
    default = float(NATIONAL["amber_ratio"])
    if len(set(ratios.values())) <= 1:
        return literal(next(iter(ratios.values()), default))
    return case(dict(ratios), value=tasks.c.county_code, else_=default)


def colour_expr(now: datetime, amber_ratio: Mapping[str, float]) -> ColumnElement[str]:
    """SQL for the deadline colour, matching Task.colour (amber ratios per county)."""
    due = case(
        (tasks.c.status == "routed", tasks.c.assign_by),
        (tasks.c.status == "assigned", tasks.c.report_by),
        else_=None,
    )
    return colour_case(
        now, started_at=tasks.c.created_at, due_at=due, amber_ratio=amber_expr(amber_ratio)
    )


def filtered_tasks(view: TaskView, *columns: Any) -> Select[Any]:
    """The visible tasks matching the list filters: `columns` and the deadline colour."""
    colour = colour_expr(view.now, view.amber_ratio).label("colour")
    stmt = select(*(columns or (tasks,)), colour).where(scope_filter(view.principal))
    for name in ("status", "period", "village_code", "channel", "township_code"):
        if value := view.filters.get(name):
            stmt = stmt.where(tasks.c[name] == value)
    if value := view.filters.get("colour"):
        stmt = stmt.where(colour_expr(view.now, view.amber_ratio) == value)
    return stmt


async def tasks_page(
    session: AsyncSession,
    view: TaskView,
    *,
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> tuple[list[Row], str | None]:
    """One page of visible tasks, oldest first (or newest first)."""
    return await keyset_page(
        session,
        filtered_tasks(view),
        created=tasks.c.created_at,
        key=tasks.c.id,
        limit=limit,
        cursor=cursor,
        parse_key=uuid.UUID,
        newest_first=newest_first,
    )


async def task_with_colour(
    session: AsyncSession, key: uuid.UUID, *, now: datetime, amber_ratio: Mapping[str, float]
) -> RowMapping | None:
    """A task's row and its deadline colour (None if there is no such task)."""
    colour = colour_expr(now, amber_ratio).label("colour")
    stmt = select(tasks, colour).where(tasks.c.id == key)
    return (await session.execute(stmt)).mappings().first()


async def signals_of(session: AsyncSession, key: uuid.UUID) -> list[Row]:
    """A task's signals, oldest first."""
    stmt = select(signals).where(signals.c.task_id == key).order_by(signals.c.id)
    return [dict(s) for s in (await session.execute(stmt)).mappings()]


async def history_of(session: AsyncSession, key: uuid.UUID) -> list[Row]:
    """A task's history, oldest first."""
    stmt = select(task_history).where(task_history.c.task_id == key).order_by(task_history.c.id)
    return [dict(h) for h in (await session.execute(stmt)).mappings()]


def _local(column: Any, name: str) -> Any:
    """A time column as Beijing-time text, formatted by Postgres (no datetime per cell here)."""
    return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD HH24:MI").label(name)


# the columns of the task sheet: masked person only, times already as text
EXPORT_COLUMNS = (
    cast(tasks.c.id, Text).label("id"),
    tasks.c.period,
    tasks.c.township_code,
    tasks.c.village_code,
    tasks.c.name_masked,
    tasks.c.id_masked,
    tasks.c.channel,
    tasks.c.status,
    _local(tasks.c.assign_by, "assign_by"),
    _local(tasks.c.report_by, "report_by"),
    tasks.c.assigned_village,
    tasks.c.cadre_name,
    tasks.c.outcome,
    cast(tasks.c.visited_on, Text).label("visited_on"),
    _local(tasks.c.created_at, "created_at"),
)


def export_rows(session: AsyncSession, view: TaskView, *, limit: int) -> AsyncIterator[RowMapping]:
    """The visible tasks matching the filters as EXPORT_COLUMNS, oldest first, from a cursor."""
    stmt = filtered_tasks(view, *EXPORT_COLUMNS).order_by(tasks.c.created_at, tasks.c.id)
    return stream_mappings(session, stmt.limit(limit), yield_per=2000)
