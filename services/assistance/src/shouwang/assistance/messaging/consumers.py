"""What assistance consumes: confirmed risks (identification, 纳入) and the county policy."""

from shouwang.assistance.adapters.policy import store as policy_store
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.confirmed_risks import on_risk_confirmed
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import TaskConfirmed
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.events.topics import POLICY_SETTINGS, VERIFICATION_TASKS
from shouwang.common.service import ConsumerSpec
from sqlalchemy.ext.asyncio import AsyncSession


def consumer_specs(runtime: AssistanceRuntime) -> list[ConsumerSpec]:
    """Declare assistance's consumers (built at start-up, when the runtime exists)."""

    async def handle(envelope: EventEnvelope, session: AsyncSession) -> None:
        data = envelope.data
        if isinstance(data, TaskConfirmed) and data.outcome == "risk_confirmed" and data.pii_sealed:
            uow = UnitOfWork.joined(session, runtime.outbox)
            await on_risk_confirmed(data, uow=uow, runtime=runtime)
            await uow.flush_events()

    policy = policy_store.handler()
    return [
        ConsumerSpec(topics=[VERIFICATION_TASKS.name], handler=handle),
        # NOTE: its own group, so a backlog of tasks never delays a county's new settings
        ConsumerSpec(topics=[POLICY_SETTINGS.name], handler=policy, group_suffix="-policy"),
    ]
