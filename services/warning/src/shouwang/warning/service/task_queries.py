"""Reading tasks within the caller's scope: lists with filters and keyset paging, details."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.geography import Geography
from shouwang.warning.adapters import feed, task_reads
from shouwang.warning.adapters.repository import task_key
from shouwang.warning.adapters.task_reads import TaskView, scope_filter
from shouwang.warning.domain.errors import OutsideScope, TaskNotFound
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = [
    "may_see",
    "scope_counties",
    "scope_filter",
    "task_detail",
    "task_page",
    "to_read",
]


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


async def task_page(
    session: AsyncSession,
    principal: Principal,
    *,
    now: datetime,
    amber_ratio: Mapping[str, float],
    filters: dict[str, str | None],
    limit: int,
    cursor: str | None,
    newest_first: bool,
) -> dict[str, Any]:
    """One page of tasks as the API answers it, with the live feed's position read before the
    page: a stream opened `after` it brings exactly what the page may lack."""
    position = await feed.head(session)
    view = TaskView(principal, now, amber_ratio, filters)
    rows, next_cursor = await task_reads.tasks_page(
        session, view, limit=limit, cursor=cursor, newest_first=newest_first
    )
    return {
        "items": [to_read(r) for r in rows],
        "next_cursor": next_cursor,
        "feed_position": position,
    }


async def task_detail(
    session: AsyncSession,
    principal: Principal,
    task_id: str,
    *,
    now: datetime,
    amber_ratio: Mapping[str, float],
) -> dict[str, Any]:
    """Return a visible task with its signals and history."""
    key = task_key(task_id)
    row = await task_reads.task_with_colour(session, key, now=now, amber_ratio=amber_ratio)
    if row is None:
        raise TaskNotFound()
    if not may_see(principal, row):
        raise OutsideScope()
    return {
        **row,
        "signals": [_with_batch(s) for s in await task_reads.signals_of(session, key)],
        "history": await task_reads.history_of(session, key),
    }


def _with_batch(signal: dict[str, Any]) -> dict[str, Any]:
    """A signal with the batch it came from (a department's item), else None."""
    from_batch = signal["channel"] == "department_warning"
    return {**signal, "batch_id": signal["source_ref"] if from_batch else None}


def to_read(row: dict[str, Any]) -> dict[str, Any]:
    """Map a task row (plus extras) to the TaskRead shape."""
    return {**row, "task_id": str(row["id"])}
