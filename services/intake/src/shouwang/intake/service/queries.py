"""Reading declarations: the filer's status view, scoped lists with keyset paging (masked only).

A staff list shows each declaration's deadline colour, by its county's amber ratio today.
"""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.paging import keyset_page
from shouwang.common.failures import Forbidden, NotFound
from shouwang.intake.adapters.tables import declarations
from shouwang.intake.domain.deadlines import local_date
from shouwang.intake.domain.declaration import STATUS_LABELS
from shouwang.intake.service.deadlines import amber_ratios, progress_of
from sqlalchemy import ColumnElement, Select, and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

Filters = dict[str, str | None]
# Masked columns only: nothing here needs a decrypted read.
_HIDDEN = (
    "person_ref", "filed_by", "attachments", "merged_into", "accept_overdue_at", "visit_overdue_at",
)  # fmt: skip
PUBLIC_COLUMNS = [
    c for c in declarations.c if not c.name.endswith("_enc") and c.name not in _HIDDEN
]


def scope_filter(principal: Principal) -> ColumnElement[bool]:
    """The declarations a staff principal may list."""
    if principal.role == "auditor":
        return true()
    if principal.role == "village":
        return declarations.c.village_code == principal.scope
    if principal.role == "township":
        return declarations.c.township_code == principal.scope
    if principal.role in ("county", "province"):
        return declarations.c.county_code.startswith(principal.scope)
    raise Forbidden("当前角色无权查看申报列表", code="forbidden_role")


def _filed_by(principal: Principal) -> ColumnElement[bool]:
    return and_(
        declarations.c.filed_by == principal.sub, declarations.c.filed_by_role == principal.role
    )


async def get_status(session: AsyncSession, principal: Principal, receipt: str) -> dict[str, Any]:
    """The status of one declaration, for its filer or for staff in scope."""
    stmt = select(*PUBLIC_COLUMNS).where(declarations.c.receipt == receipt)
    if principal.role == "resident":
        # a resident sees only what they filed; other receipts do not exist for them (404)
        stmt = stmt.where(_filed_by(principal))
    row = (await session.execute(stmt)).mappings().first()
    if row is None:
        raise NotFound("申报不存在", code="declaration_not_found", field="receipt")
    if principal.role != "resident":
        visible = (
            await session.execute(
                select(true()).where(declarations.c.receipt == receipt, scope_filter(principal))
            )
        ).first()
        if visible is None:
            raise Forbidden("无权查看其他辖区的申报", code="forbidden_scope")
    return {**row, "status_label": STATUS_LABELS[row["status"]]}


def filtered(principal: Principal, filters: dict[str, str | None]) -> Select[Any]:
    """The scoped, filtered select of masked columns, oldest first."""
    stmt = select(*PUBLIC_COLUMNS).where(scope_filter(principal))
    for name in ("status", "channel", "village_code", "township_code"):
        if value := filters.get(name):
            stmt = stmt.where(declarations.c[name] == value)
    return stmt.order_by(declarations.c.created_at, declarations.c.receipt)


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
    rows, next_cursor = await keyset_page(
        session,
        filtered(principal, filters),
        created=declarations.c.created_at,
        key=declarations.c.receipt,
        limit=limit,
        cursor=cursor,
    )
    ratios = await amber_ratios(session, (r["county_code"] for r in rows), on=local_date(now))
    coloured = [
        {**row, "colour": progress_of(row).colour(now, ratios[row["county_code"]])} for row in rows
    ]
    return coloured, next_cursor


async def stream_rows(
    session: AsyncSession, principal: Principal, *, filters: Filters, max_rows: int
) -> AsyncIterator[dict[str, Any]]:
    """Every declaration in scope (up to max_rows), streamed from the server."""
    result = await session.stream(filtered(principal, filters).limit(max_rows))
    async for row in result.mappings():
        yield dict(row)
