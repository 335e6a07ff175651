"""What intake consumes: verification task events (status of declarations) and the registry.

verification.tasks carries every task of the county (a department push can open 100,000 at
once) and intake needs only the few about declarations, so its consumer pre-filters: events it
has no use for cost no transaction and no inbox row.
"""

from datetime import datetime

from pydantic import BaseModel
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
from shouwang.common.events.topics import ASSISTANCE_HOUSEHOLDS, VERIFICATION_TASKS
from shouwang.common.service import ConsumerSpec
from shouwang.intake.runtime import IntakeRuntime
from shouwang.intake.service import status
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
        await status.task_opened(session, receipt=data.source_ref, task_id=data.task_id, now=now)
    elif isinstance(data, TaskReported):
        await status.task_reported(session, task_id=data.task_id, outcome=data.outcome, now=now)
    elif isinstance(data, TaskConfirmed):
        await status.task_confirmed(session, task_id=data.task_id, outcome=data.outcome, now=now)
    elif isinstance(data, TaskReturned | TaskRerouted):
        await status.task_back_in_progress(session, task_id=data.task_id, now=now)
    elif isinstance(data, HouseholdStatusChanged):
        await status.household_included(session, person_refs=data.member_refs, now=now)


def consumer_specs(runtime: IntakeRuntime) -> list[ConsumerSpec]:
    """Declare intake's consumer (built at start-up, when the runtime exists)."""

    async def handle(envelope: EventEnvelope, session: AsyncSession) -> None:
        await apply_event(envelope, session, now=runtime.clock.now())

    return [ConsumerSpec(topics=TOPICS, handler=handle, accepts=lambda e: relevant(e.data))]
