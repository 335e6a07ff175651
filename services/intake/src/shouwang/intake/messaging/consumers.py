"""What intake consumes: verification task events (status of declarations) and the registry.

verification.tasks carries every task of the county (a department push can open 100,000 at
once) and intake needs only the few about declarations, so its consumer pre-filters: events it
has no use for cost no transaction and no inbox row. The task opening and its first report are
also the declaration's acceptance and home visit (its deadlines). A second consumer projects the
county policy and work calendars from `policy.settings`.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import HouseholdStatusChanged
from shouwang.common.events.catalog.warning import (
    TaskConfirmed,
    TaskCreated,
    TaskReported,
    TaskRerouted,
    TaskReturned,
    TaskSignalAttached,
)
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.events.topics import (
    ASSISTANCE_HOUSEHOLDS,
    POLICY_SETTINGS,
    VERIFICATION_TASKS,
)
from shouwang.common.service import ConsumerSpec
from shouwang.intake.adapters.policy import store as policy_store
from shouwang.intake.adapters.tables import outbox
from shouwang.intake.domain.deadlines import Stage
from shouwang.intake.runtime import IntakeRuntime
from shouwang.intake.service import status
from shouwang.intake.service.deadlines import PromiseCache
from shouwang.intake.service.overdue import flag_if_late
from sqlalchemy.ext.asyncio import AsyncSession

TOPICS = (VERIFICATION_TASKS.name, ASSISTANCE_HOUSEHOLDS.name)
# a department warning's task or signal carries a batch id, never a receipt
IGNORED_CHANNELS = ("department_warning", "department_screening")
_FOLLOWED = (TaskReported, TaskConfirmed, TaskReturned, TaskRerouted)


def relevant(data: BaseModel) -> bool:
    """True for the events that can move a declaration."""
    if isinstance(data, TaskCreated | TaskSignalAttached):
        return data.channel not in IGNORED_CHANNELS
    if isinstance(data, HouseholdStatusChanged):
        return data.status == "monitored" and bool(data.member_refs)
    return isinstance(data, _FOLLOWED)


async def apply_event(envelope: EventEnvelope, session: AsyncSession, *, now: datetime) -> None:
    """Move the declarations an event concerns (inside the inbox transaction)."""
    data = envelope.data
    if not relevant(data):
        return
    if isinstance(data, TaskCreated | TaskSignalAttached):
        opened = await status.task_opened(
            session, receipt=data.source_ref, task_id=data.task_id, now=now, at=envelope.time
        )
        await _flag_late(session, opened, "accept", now)
    elif isinstance(data, TaskReported):
        await status.task_reported(session, task_id=data.task_id, outcome=data.outcome, now=now)
        visited = await status.task_visited(session, task_id=data.task_id, at=envelope.time)
        await _flag_late(session, visited, "visit", now)
    elif isinstance(data, TaskConfirmed):
        await status.task_confirmed(session, task_id=data.task_id, outcome=data.outcome, now=now)
    elif isinstance(data, TaskReturned | TaskRerouted):
        await status.task_back_in_progress(session, task_id=data.task_id, now=now)
    elif isinstance(data, HouseholdStatusChanged):
        await status.household_included(session, person_refs=data.member_refs, now=now)


async def _flag_late(
    session: AsyncSession, rows: Sequence[Any], stage: Stage, now: datetime
) -> None:
    """Raise `declaration.overdue` for a stage done after its day (in this transaction)."""
    uow = UnitOfWork.joined(session, outbox)
    if await flag_if_late(uow, rows, stage, now):
        await uow.flush_events()


def consumer_specs(runtime: IntakeRuntime, *, promises: PromiseCache) -> list[ConsumerSpec]:
    """Declare intake's consumers (built at start-up, when the runtime exists)."""

    async def handle(envelope: EventEnvelope, session: AsyncSession) -> None:
        await apply_event(envelope, session, now=runtime.clock.now())

    record_policy = policy_store.handler()

    async def policy(envelope: EventEnvelope, session: AsyncSession) -> None:
        await record_policy(envelope, session)
        promises.clear()  # NOTE: this process's filings see the new version at once

    return [
        ConsumerSpec(topics=TOPICS, handler=handle, accepts=lambda e: relevant(e.data)),
        ConsumerSpec(topics=(POLICY_SETTINGS.name,), handler=policy, group_suffix="-policy"),
    ]
