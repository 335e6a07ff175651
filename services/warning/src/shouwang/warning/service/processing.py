"""Processing a filed batch: compare with the registry, dedup, route every accepted item."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import BatchFiled, BatchProcessed
from shouwang.common.events.envelope import new_envelope
from shouwang.common.identity import ProtectedPerson
from shouwang.warning.adapters.batches import claim_pending, items_of, mark_processed
from shouwang.warning.adapters.repository import SOURCE
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.indicator_facts import publish_indicator_facts
from shouwang.warning.service.policy import county_policy
from shouwang.warning.service.routing import Outcome, route_signals
from shouwang.warning.service.routing_rows import Signal


async def process_filed_batch(
    filed: BatchFiled, *, uow: UnitOfWork, runtime: WarningRuntime
) -> None:
    """Turn a filed batch's accepted items into tasks and signals (idempotent via the inbox)."""
    batch_id = uuid.UUID(filed.batch_id)
    if not await claim_pending(uow.session, batch_id):
        return
    rows = await items_of(uow.session, batch_id)
    now = runtime.clock.now()
    outcome = await _route_items(uow, filed, rows, runtime=runtime, now=now)
    await publish_indicator_facts(uow, filed, rows, geography=runtime.geography, now=now)
    await _record_processed(uow, filed, outcome, now=now)


async def _route_items(
    uow: UnitOfWork,
    filed: BatchFiled,
    rows: Sequence[Mapping[Any, Any]],
    *,
    runtime: WarningRuntime,
    now: datetime,
) -> Outcome:
    """Route every item under the county's policy for the batch's period."""
    policy = await county_policy(uow.session, county_code=filed.county_code, period=filed.period)
    return await route_signals(
        uow,
        [_signal(row, filed) for row in rows],
        county_code=filed.county_code,
        period=filed.period,
        now=now,
        geography=runtime.geography,
        policy=policy,
    )


async def _record_processed(
    uow: UnitOfWork, filed: BatchFiled, outcome: Outcome, *, now: datetime
) -> None:
    """Mark the batch done with what routing made of it, and publish BatchProcessed."""
    counts = {
        "tasks_created": outcome.tasks_created,
        "signals_attached": outcome.signals_attached,
        "unroutable": outcome.unroutable,
        "comparison": outcome.comparison,
    }
    await mark_processed(
        uow.session, uuid.UUID(filed.batch_id), below_threshold=outcome.below_threshold, **counts
    )
    head = filed.model_dump(include={"batch_id", "county_code", "department", "period"})
    processed = BatchProcessed.model_validate({**head, **counts})
    uow.publish(new_envelope(processed, source=SOURCE, subject=filed.batch_id, time=now))


def _signal(row: Any, filed: BatchFiled) -> Signal:
    person = ProtectedPerson(
        person_ref=row["person_ref"],
        id_enc=row["id_enc"],
        name_enc=row["name_enc"],
        id_masked=row["id_masked"],
        name_masked=row["name_masked"],
    )
    return Signal(
        person=person,
        village_code=row["village_code"],
        channel="department_warning",
        source_ref=filed.batch_id,
        department=filed.department,
        indicator=row["indicator"],
        values=dict(row["values"]),
    )
