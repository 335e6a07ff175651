"""Filed batches: the batch row, its item rows, its processing state and the pushes per period."""

import uuid
from collections.abc import Sequence
from typing import Any

from shouwang.common.db.bulk import copy_rows
from shouwang.warning.adapters.tables import batch_items, batches
from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]


async def add_batch(session: AsyncSession, row: Row) -> None:
    """Insert a filed batch's row."""
    await session.execute(insert(batches).values(**row))


async def add_items(session: AsyncSession, rows: list[Row]) -> None:
    """Insert batch_items rows (one COPY)."""
    await copy_rows(session, batch_items, rows)


async def claim_pending(session: AsyncSession, batch_id: uuid.UUID) -> bool:
    """Lock the batch row; True if it still waits for processing."""
    stmt = select(batches.c.processing).where(batches.c.id == batch_id).with_for_update()
    return (await session.execute(stmt)).scalar() == "pending"


async def items_of(session: AsyncSession, batch_id: uuid.UUID) -> Sequence[RowMapping]:
    """A batch's item rows in file order."""
    stmt = select(batch_items).where(batch_items.c.batch_id == batch_id).order_by(batch_items.c.idx)
    return (await session.execute(stmt)).mappings().all()


async def mark_processed(session: AsyncSession, batch_id: uuid.UUID, **counts: Any) -> None:
    """Record that a batch was routed, with what routing made of it."""
    stmt = update(batches).where(batches.c.id == batch_id).values(processing="done", **counts)
    await session.execute(stmt)


async def pushes_per_department(
    session: AsyncSession, *, county_code: str, period: str
) -> dict[str, Any]:
    """Per department that pushed for the period: its timeliness kinds, batches, items, first."""
    stmt = (
        select(
            batches.c.department,
            func.array_agg(batches.c.timeliness).label("kinds"),
            func.count().label("batches"),
            func.sum(batches.c.received).label("items"),
            func.min(batches.c.received_at).label("first_at"),
        )
        .where(batches.c.county_code == county_code, batches.c.period == period)
        .group_by(batches.c.department)
    )
    return {r.department: r for r in await session.execute(stmt)}
