"""Reading declarations: the filer's status view, scoped lists with keyset paging (masked only).

A staff list shows each declaration's deadline colour, by its county's amber ratio today.
"""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.failures import Forbidden, NotFound
from shouwang.intake.adapters import repository as repo
from shouwang.intake.domain.deadlines import local_date
from shouwang.intake.domain.declaration import STATUS_LABELS
from shouwang.intake.service.deadlines import amber_ratios, progress_of
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

Filters = repo.Filters


def scope_filter(principal: Principal) -> ColumnElement[bool]:
    """The declarations a staff principal may list (Forbidden for a role without a list)."""
    return repo.scope_filter(principal)


async def get_status(session: AsyncSession, principal: Principal, receipt: str) -> dict[str, Any]:
    """The status of one declaration, for its filer or for staff in scope."""
    # a resident sees only what they filed; other receipts do not exist for them (404)
    resident = principal.role == "resident"
    row = await repo.find_public(session, receipt, filed_by=principal if resident else None)
    if row is None:
        raise NotFound("申报不存在", code="declaration_not_found", field="receipt")
    if not resident and not await repo.in_scope(session, receipt, principal):
        raise Forbidden("无权查看其他辖区的申报", code="forbidden_scope")
    return {**row, "status_label": STATUS_LABELS[row["status"]]}


async def list_page(
    session: AsyncSession,
    principal: Principal,
    *,
    filters: dict[str, str | None],
    limit: int,
    cursor: str | None,
    now: datetime,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the declarations in scope, each with its deadline colour."""
    rows, next_cursor = await repo.page(
        session, principal, filters=filters, limit=limit, cursor=cursor
    )
    ratios = await amber_ratios(session, (r["county_code"] for r in rows), on=local_date(now))
    coloured = [
        {**row, "colour": progress_of(row).colour(now, ratios[row["county_code"]])} for row in rows
    ]
    return coloured, next_cursor


def stream_rows(
    session: AsyncSession, principal: Principal, *, filters: Filters, max_rows: int
) -> AsyncIterator[dict[str, Any]]:
    """Every declaration in scope (up to max_rows), streamed from the server (a cursor)."""
    return repo.stream(session, principal, filters=filters, max_rows=max_rows)
