"""Reading tasks within the caller's scope: lists with filters and keyset paging, details."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.deadlines import colour_case
from shouwang.common.db.paging import keyset_page
from shouwang.common.failures import Forbidden
from shouwang.common.geography import Geography
from shouwang.common.policy.national import NATIONAL
from shouwang.warning.adapters.tables import signals, task_history, tasks
from shouwang.warning.domain.errors import OutsideScope, TaskNotFound
from sqlalchemy import ColumnElement, Select, case, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession


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


def may_see(principal: Principal, row: Any) -> bool:
    if principal.role == "auditor":
        return True
    if principal.role == "village":
        return bool(row["assigned_village"] == principal.scope)
    if principal.role == "township":
        return bool(row["township_code"] == principal.scope)
    if principal.role in ("county", "province"):
        return bool(row["county_code"].startswith(principal.scope))
    return False


def scope_counties(principal: Principal, geography: Geography) -> list[str]:
    """The counties whose tasks a principal may see (their amber ratios colour the list)."""
    if principal.role in ("village", "township", "county"):
        return [principal.scope[:6]]
    counties = [county.code for county in geography.counties()]
    if principal.role == "province":
        return [code for code in counties if code.startswith(principal.scope)]
    return counties if principal.role == "auditor" else []


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


def filtered_tasks(
    principal: Principal,
    *columns: Any,
    now: datetime,
    amber_ratio: Mapping[str, float],
    filters: dict[str, str | None],
) -> Select[Any]:
    """The visible tasks matching the list filters: `columns` and the deadline colour."""
    colour = colour_expr(now, amber_ratio).label("colour")
    stmt = select(*(columns or (tasks,)), colour).where(scope_filter(principal))
    for name in ("status", "period", "village_code", "channel", "township_code"):
        if value := filters.get(name):
            stmt = stmt.where(tasks.c[name] == value)
    if value := filters.get("colour"):
        stmt = stmt.where(colour_expr(now, amber_ratio) == value)
    return stmt


async def list_tasks(
    session: AsyncSession,
    principal: Principal,
    *,
    now: datetime,
    amber_ratio: Mapping[str, float],
    filters: dict[str, str | None],
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """Return one page of visible tasks, oldest first (or newest first)."""
    return await keyset_page(
        session,
        filtered_tasks(principal, now=now, amber_ratio=amber_ratio, filters=filters),
        created=tasks.c.created_at,
        key=tasks.c.id,
        limit=limit,
        cursor=cursor,
        parse_key=uuid.UUID,
        newest_first=newest_first,
    )


async def task_detail(
    session: AsyncSession,
    principal: Principal,
    task_id: str,
    *,
    now: datetime,
    amber_ratio: Mapping[str, float],
) -> dict[str, Any]:
    """Return a visible task with its signals and history."""
    try:
        key = uuid.UUID(task_id)
    except ValueError:
        raise TaskNotFound() from None
    colour = colour_expr(now, amber_ratio).label("colour")
    row = (await session.execute(select(tasks, colour).where(tasks.c.id == key))).mappings().first()
    if row is None:
        raise TaskNotFound()
    if not may_see(principal, row):
        raise OutsideScope()
    result = dict(row)
    sig_rows = await session.execute(
        select(signals).where(signals.c.task_id == key).order_by(signals.c.id)
    )
    result["signals"] = [
        {**dict(s), "batch_id": s.source_ref if s.channel == "department_warning" else None}
        for s in sig_rows.mappings()
    ]
    hist = await session.execute(
        select(task_history).where(task_history.c.task_id == key).order_by(task_history.c.id)
    )
    result["history"] = [dict(h) for h in hist.mappings()]
    return result


def to_read(row: dict[str, Any]) -> dict[str, Any]:
    """Map a task row (plus extras) to the TaskRead shape."""
    return {**row, "task_id": str(row["id"])}
