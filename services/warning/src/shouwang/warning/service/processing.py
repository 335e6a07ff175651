"""Processing a filed batch: compare with the registry, dedup, route every accepted item."""

import uuid
from typing import Any

from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import BatchFiled, BatchProcessed
from shouwang.common.events.envelope import new_envelope
from shouwang.common.identity import ProtectedPerson
from shouwang.warning.adapters.repository import SOURCE
from shouwang.warning.adapters.tables import batch_items, batches
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.indicator_facts import publish_indicator_facts
from shouwang.warning.service.policy import county_policy
from shouwang.warning.service.routing import route_signals
from shouwang.warning.service.routing_rows import Signal
from sqlalchemy import select, update


async def process_filed_batch(
    filed: BatchFiled, *, uow: UnitOfWork, runtime: WarningRuntime
) -> None:
    """Turn a filed batch's accepted items into tasks and signals (idempotent via the inbox)."""
    batch_id = uuid.UUID(filed.batch_id)
    state = (
        await uow.session.execute(
            select(batches.c.processing).where(batches.c.id == batch_id).with_for_update()
        )
    ).scalar()
    if state != "pending":
        return
    rows = (
        (
            await uow.session.execute(
                select(batch_items)
                .where(batch_items.c.batch_id == batch_id)
                .order_by(batch_items.c.idx)
            )
        )
        .mappings()
        .all()
    )
    now = runtime.clock.now()
    outcome = await route_signals(
        uow,
        [_signal(row, filed) for row in rows],
        county_code=filed.county_code,
        period=filed.period,
        now=now,
        geography=runtime.geography,
        policy=await county_policy(uow.session, county_code=filed.county_code, period=filed.period),
    )
    await publish_indicator_facts(uow, filed, rows, geography=runtime.geography, now=now)
    await uow.session.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(
            processing="done",
            tasks_created=outcome.tasks_created,
            signals_attached=outcome.signals_attached,
            unroutable=outcome.unroutable,
            below_threshold=outcome.below_threshold,
            comparison=outcome.comparison,
        )
    )
    processed = BatchProcessed(
        batch_id=filed.batch_id,
        county_code=filed.county_code,
        department=filed.department,
        period=filed.period,
        tasks_created=outcome.tasks_created,
        signals_attached=outcome.signals_attached,
        unroutable=outcome.unroutable,
        comparison=outcome.comparison,
    )
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
