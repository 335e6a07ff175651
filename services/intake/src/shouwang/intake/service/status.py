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

from shouwang.intake.adapters import repository as repo
from shouwang.intake.domain.declaration import status_after_confirmation
from sqlalchemy.ext.asyncio import AsyncSession


async def task_opened(
    session: AsyncSession, *, receipt: str, task_id: str, now: datetime, at: datetime
) -> Sequence[Any]:
    """A task now carries the declaration (new task, or attached to the person's open one)."""
    return await repo.open_task(session, receipt=receipt, task_id=task_id, now=now, at=at)


async def task_visited(session: AsyncSession, *, task_id: str, at: datetime) -> Sequence[Any]:
    """The task's first report: every declaration it carries was visited then."""
    return await repo.visit_task(session, task_id=task_id, at=at)


async def task_reported(session: AsyncSession, *, task_id: str, outcome: str, now: datetime) -> int:
    """The village reported: verified, with the outcome."""
    return await repo.set_task_status(
        session, task_id=task_id, now=now, status="verified", outcome=outcome
    )


async def task_confirmed(
    session: AsyncSession, *, task_id: str, outcome: str, now: datetime
) -> int:
    """The township confirmed the outcome: final unless assistance still has to include."""
    status = status_after_confirmation(outcome)
    return await repo.set_task_status(
        session, task_id=task_id, now=now, status=status, outcome=outcome
    )


async def task_back_in_progress(session: AsyncSession, *, task_id: str, now: datetime) -> int:
    """Returned to the county or rerouted: verification continues."""
    return await repo.set_task_status(
        session, task_id=task_id, now=now, status="verifying", outcome=None
    )


async def household_included(
    session: AsyncSession, *, person_refs: list[str], now: datetime
) -> int:
    """Hook for assistance: a confirmed person's household is now monitored → included."""
    if not person_refs:
        return 0
    return await repo.include_confirmed(session, person_refs=person_refs, now=now)
