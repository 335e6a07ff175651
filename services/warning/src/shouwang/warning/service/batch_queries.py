"""Reading filed batches within the caller's scope: the department its own, the county all."""

import uuid
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.warning.adapters import batch_reads
from shouwang.warning.domain.errors import BatchesNotForRole, BatchNotFound, BatchOutsideScope
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession


def may_see(principal: Principal, row: Any) -> bool:
    """A department sees its own county's pushes; a county or province its counties'."""
    if principal.role == "department":
        return bool(principal.scope == row["department"] and principal.county == row["county_code"])
    if principal.role in ("county", "province"):
        return principal.covers(row["county_code"])
    return principal.role == "auditor"


async def visible_batch(session: AsyncSession, principal: Principal, batch_id: str) -> RowMapping:
    """The batch as filed (raw bytes included), if the caller may see it."""
    try:
        key = uuid.UUID(batch_id)
    except ValueError:
        raise BatchNotFound() from None
    row = await batch_reads.batch(session, key)
    if row is None:
        raise BatchNotFound()
    if not may_see(principal, row):
        raise BatchOutsideScope()
    return row


async def list_batches(
    session: AsyncSession,
    principal: Principal,
    *,
    department: str | None,
    period: str | None,
    limit: int,
) -> list[RowMapping]:
    """The newest batches in the caller's scope, summaries only."""
    if principal.role == "department":
        if department and department != principal.scope:
            return []
        prefix, department = principal.county, principal.scope
    elif principal.role in ("county", "province"):
        prefix = principal.scope
    elif principal.role == "auditor":
        prefix = None
    else:
        raise BatchesNotForRole()
    return await batch_reads.newest(
        session, county_prefix=prefix, department=department, period=period, limit=limit
    )
