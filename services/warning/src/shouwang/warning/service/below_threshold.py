"""Items under the county's indicator threshold: filed, no task, listed for the county."""

import uuid
from typing import Any

from shouwang.common.auth.checks import require_role
from shouwang.common.auth.principal import Principal
from shouwang.common.db.paging import keyset_page
from shouwang.warning.adapters.tables import below_threshold
from shouwang.warning.runtime import WarningRuntime
from sqlalchemy import select


async def list_below_threshold(
    runtime: WarningRuntime,
    principal: Principal,
    *,
    period: str | None,
    department: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the items of the caller's county (or province) under the threshold."""
    require_role(principal, "county", "province")
    table = below_threshold
    stmt = select(table).where(table.c.county_code.startswith(principal.scope))
    if period:
        stmt = stmt.where(table.c.period == period)
    if department:
        stmt = stmt.where(table.c.department == department)
    async with runtime.sessionmaker() as session:
        rows, next_cursor = await keyset_page(
            session, stmt, created=table.c.created_at, key=table.c.id, limit=limit,
            cursor=cursor, parse_key=uuid.UUID,
        )  # fmt: skip
    return [{**r, "id": str(r["id"]), "batch_id": r["source_ref"]} for r in rows], next_cursor
