"""What warning consumes: filed batches, declarations, registry changes, the county policy."""

from collections.abc import Awaitable, Callable

from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import HouseholdStatusChanged
from shouwang.common.events.catalog.intake import DeclarationReceived
from shouwang.common.events.catalog.warning import BatchFiled
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.events.topics import (
    ASSISTANCE_HOUSEHOLDS,
    INTAKE_DECLARATIONS,
    POLICY_SETTINGS,
    WARNING_BATCHES,
)
from shouwang.common.identity import unseal_person
from shouwang.common.kafka.lanes import Lanes
from shouwang.common.service import ConsumerSpec
from shouwang.warning.adapters.policy import store as policy_store
from shouwang.warning.adapters.registry import save_statuses
from shouwang.warning.domain.window import current_period
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.policy import county_policy
from shouwang.warning.service.processing import process_filed_batch
from shouwang.warning.service.routing import route_signals
from shouwang.warning.service.routing_rows import Signal
from sqlalchemy.ext.asyncio import AsyncSession

EnvelopeHandler = Callable[[EventEnvelope, AsyncSession], Awaitable[None]]
# items a routing transaction takes before it commits (and the relay can start on its tasks):
# one pushed batch (2,000 items) per transaction, so the first tasks leave while the rest route
ROUTE_ITEMS_PER_TRANSACTION = 2000


def county_lane(envelope: EventEnvelope) -> str:
    """Routing locks county-periods, so one county's events share a lane (no lock across lanes)."""
    data = envelope.data
    if isinstance(data, BatchFiled | DeclarationReceived):
        return f"county:{data.county_code}"
    return "registry"


def routing_weight(envelope: EventEnvelope) -> int:
    data = envelope.data
    return max(data.accepted, 1) if isinstance(data, BatchFiled) else 1


ROUTING_LANES = Lanes(
    key=county_lane, weight=routing_weight, per_transaction=ROUTE_ITEMS_PER_TRANSACTION
)


def consumer_specs(runtime: WarningRuntime) -> list[ConsumerSpec]:
    """Declare warning's consumers (built at start-up, when the runtime exists)."""

    async def handle(envelope: EventEnvelope, session: AsyncSession) -> None:
        uow = UnitOfWork.joined(session, runtime.outbox)
        data = envelope.data
        if isinstance(data, BatchFiled):
            await process_filed_batch(data, uow=uow, runtime=runtime)
        elif isinstance(data, DeclarationReceived):
            await _route_declaration(data, uow=uow, runtime=runtime)
        elif isinstance(data, HouseholdStatusChanged):
            await _project_household(data, session=session)
        await uow.flush_events()

    topics = [WARNING_BATCHES.name, INTAKE_DECLARATIONS.name, ASSISTANCE_HOUSEHOLDS.name]
    handled = (BatchFiled, DeclarationReceived, HouseholdStatusChanged)
    policy = policy_store.handler()
    return [
        ConsumerSpec(
            topics=topics,
            handler=handle,
            accepts=lambda envelope: isinstance(envelope.data, handled),
            lanes=ROUTING_LANES,
        ),
        # NOTE: its own group, so a backlog of filed batches never delays a county's new settings
        ConsumerSpec(topics=[POLICY_SETTINGS.name], handler=policy, group_suffix="-policy"),
    ]


async def _route_declaration(
    data: DeclarationReceived, *, uow: UnitOfWork, runtime: WarningRuntime
) -> None:
    person = unseal_person(
        data.pii_sealed,
        cipher=runtime.cipher,
        master_secret=runtime.settings.hmac_key.get_secret_value(),
        county_code=data.county_code,
    )
    now = runtime.clock.now()
    period = current_period(now)
    signal = Signal(
        person=person,
        village_code=data.village_code,
        channel=data.channel,
        source_ref=data.receipt,
        department=None,
        indicator=None,
        values={"hardships": data.hardships, "household_size": data.household_size},
    )
    await route_signals(
        uow,
        [signal],
        county_code=data.county_code,
        period=period,
        now=now,
        geography=runtime.geography,
        policy=await county_policy(uow.session, county_code=data.county_code, period=period),
    )


async def _project_household(data: HouseholdStatusChanged, *, session: AsyncSession) -> None:
    if not data.member_refs:
        return
    rows = [
        {
            "person_ref": ref,
            "county_code": data.county_code,
            "status": data.status,
            "household_id": data.household_id,
        }
        for ref in data.member_refs
    ]
    await save_statuses(session, rows)
