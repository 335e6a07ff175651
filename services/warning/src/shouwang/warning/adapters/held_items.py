"""Items that made no task: held for the county (unknown village) or under its threshold."""

import uuid
from typing import Any

from shouwang.common.db.paging import keyset_page
from shouwang.warning.adapters.tables import below_threshold, unroutable
from sqlalchemy import Select, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
Page = tuple[list[Row], str | None]
_LISTED = [c for c in unroutable.c if c.name not in ("id_enc", "name_enc", "values")]


async def unroutable_page(
    session: AsyncSession,
    *,
    region: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """One page of held items (no sealed PII) within `region` (None: every county)."""
    stmt = select(*_LISTED)
    if region is not None:
        stmt = stmt.where(unroutable.c.county_code.startswith(region))
    if status:
        stmt = stmt.where(unroutable.c.status == status)
    return await _page(session, stmt, unroutable, limit=limit, cursor=cursor)


async def lock_unroutable(session: AsyncSession, item_id: uuid.UUID) -> Row | None:
    """A held item, locked for routing by hand (None if there is none)."""
    stmt = select(unroutable).where(unroutable.c.id == item_id).with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row is not None else None


async def mark_routed(
    session: AsyncSession, item_id: uuid.UUID, *, village_code: str, task_id: str | None
) -> None:
    """Record where a held item went (and the task it joined or opened)."""
    await session.execute(
        update(unroutable)
        .where(unroutable.c.id == item_id)
        .values(
            status="routed",
            village_code=village_code,
            task_id=uuid.UUID(task_id) if task_id else None,
        )
    )


async def below_threshold_page(
    session: AsyncSession,
    *,
    region: str,
    period: str | None,
    department: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """One page of the items under the threshold within `region`, optionally filtered."""
    table = below_threshold
    stmt = select(table).where(table.c.county_code.startswith(region))
    if period:
        stmt = stmt.where(table.c.period == period)
    if department:
        stmt = stmt.where(table.c.department == department)
    return await _page(session, stmt, table, limit=limit, cursor=cursor)


async def _page(
    session: AsyncSession, stmt: Select[Any], table: Table, *, limit: int, cursor: str | None
) -> Page:
    """Keyset paging on (created_at, id), oldest first: every held-item list pages this way."""
    return await keyset_page(
        session, stmt, created=table.c.created_at, key=table.c.id, limit=limit, cursor=cursor,
        parse_key=uuid.UUID,
    )  # fmt: skip
