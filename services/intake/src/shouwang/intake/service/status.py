"""A declaration's status follows its verification task, then the assistance registry.

received → verifying (task created or signal attached) → verified (outcome reported) →
included | not_included (outcome confirmed; risk_confirmed waits for assistance to include).
A merged filing (another caller's, joined to the open one) stays `merged`: it learns its task
but never an outcome, which belongs to the open declaration's filer.

For the deadlines, the task opening is the township's acceptance and its report the home visit:
each is recorded once, at the time the task event says it happened.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shouwang.intake.adapters.tables import OPEN_STATUSES, declarations
from shouwang.intake.domain.declaration import status_after_confirmation
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

_D = declarations.c
# what the overdue check needs of a declaration whose stage was just recorded
_PROGRESS = (_D.receipt, _D.accept_by, _D.visit_by, _D.accepted_at, _D.visited_at)


async def task_opened(
    session: AsyncSession, *, receipt: str, task_id: str, now: datetime, at: datetime
) -> Sequence[Any]:
    """A task now carries the declaration (new task, or attached to the person's open one)."""
    still_merged = case((_D.status == "merged", _D.status), else_=literal("verifying"))
    result = await session.execute(
        update(declarations)
        .where(_D.receipt == receipt, _D.status.in_(("received", "verifying", "merged")))
        .values(
            task_id=task_id,
            status=still_merged,
            outcome=None,
            updated_at=now,
            accepted_at=func.coalesce(_D.accepted_at, at),
            visited_at=func.coalesce(_D.visited_at, _visit_of(task_id)),
        )
        .returning(*_PROGRESS)
    )
    return result.mappings().all()


def _visit_of(task_id: str) -> Any:
    """When the task was reported, if it was (a filing joining a task already visited)."""
    other = declarations.alias("visited")
    return select(func.min(other.c.visited_at)).where(other.c.task_id == task_id).scalar_subquery()


async def task_visited(session: AsyncSession, *, task_id: str, at: datetime) -> Sequence[Any]:
    """The task's first report: every declaration it carries was visited then."""
    result = await session.execute(
        update(declarations)
        .where(_D.task_id == task_id, _D.visited_at.is_(None))
        .values(visited_at=at)
        .returning(*_PROGRESS)
    )
    return result.mappings().all()


async def task_reported(session: AsyncSession, *, task_id: str, outcome: str, now: datetime) -> int:
    """The village reported: verified, with the outcome."""
    return await _set(session, task_id, now, status="verified", outcome=outcome)


async def task_confirmed(
    session: AsyncSession, *, task_id: str, outcome: str, now: datetime
) -> int:
    """The township confirmed the outcome: final unless assistance still has to include."""
    return await _set(
        session, task_id, now, status=status_after_confirmation(outcome), outcome=outcome
    )


async def task_back_in_progress(session: AsyncSession, *, task_id: str, now: datetime) -> int:
    """Returned to the county or rerouted: verification continues."""
    return await _set(session, task_id, now, status="verifying", outcome=None)


async def household_included(
    session: AsyncSession, *, person_refs: list[str], now: datetime
) -> int:
    """Hook for assistance: a confirmed person's household is now monitored → included."""
    if not person_refs:
        return 0
    result = await session.execute(
        update(declarations)
        .where(
            _D.person_ref.in_(person_refs), _D.status == "verified", _D.outcome == "risk_confirmed"
        )
        .values(status="included", updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _set(
    session: AsyncSession, task_id: str, now: datetime, *, status: str, outcome: str | None
) -> int:
    result = await session.execute(
        update(declarations)
        .where(_D.task_id == task_id, _D.status.in_(OPEN_STATUSES))
        .values(status=status, outcome=outcome, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
