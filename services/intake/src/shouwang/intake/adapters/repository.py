"""Reading and writing declarations: the service layer's only way to the tables.

Reads see masked columns only (nothing here needs a decrypted read); writes are one statement
each, so the service decides and the statement keeps the row consistent under concurrency.
"""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.deadlines import flag_unflagged
from shouwang.common.db.paging import keyset_page
from shouwang.common.db.streaming import stream_mappings
from shouwang.common.failures import Forbidden
from shouwang.intake.adapters.tables import (
    OPEN_SQL,
    OPEN_STATUSES,
    declarations,
    outbox,
    repeats,
)
from shouwang.intake.adapters.tables import idempotency as idempotency
from shouwang.intake.domain.deadlines import Stage, local_date
from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    Text,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Row = dict[str, Any]
Filters = dict[str, str | None]
_D = declarations.c
_HIDDEN = (
    "person_ref", "filed_by", "attachments", "merged_into", "accept_overdue_at", "visit_overdue_at",
)  # fmt: skip
PUBLIC_COLUMNS = [
    c for c in declarations.c if not c.name.endswith("_enc") and c.name not in _HIDDEN
]
# what the overdue check needs of a declaration whose stage was just recorded
_PROGRESS = (_D.receipt, _D.accept_by, _D.visit_by, _D.accepted_at, _D.visited_at)
# what `declaration.overdue` says of a declaration
_OVERDUE_FACTS = (
    _D.receipt, _D.county_code, _D.township_code, _D.village_code, _D.channel,
    _D.person_ref, _D.name_masked, _D.created_at, _D.accept_by, _D.visit_by,
)  # fmt: skip
DONE_AT = {"accept": "accepted_at", "visit": "visited_at"}


# --- filing ----------------------------------------------------------------------------------


def _filing_statement(columns: tuple[str, ...]) -> Any:
    """Insert a declaration unless the person's is open and, only if it went in, its event and
    the answer kept for its Idempotency-Key: one statement, so one round trip and atomic.

    NOTE: built once per column set, values bound per call: `.values(row)` re-coerces every
    column on each request (about a tenth of the endpoint's CPU in the declarations benchmark)
    """
    filed = (
        pg_insert(declarations)
        .values({name: bindparam(name, type_=_D[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=[_D.person_ref], index_where=text(OPEN_SQL))
        .returning(_D.receipt)
        .cte("filed")
    )
    event_columns = [c for c in outbox.c if c.name in OUTBOX_COLUMNS]
    published = outbox.insert().from_select(
        [c.name for c in event_columns],
        select(*(bindparam(f"event_{c.name}", type_=c.type) for c in event_columns)).select_from(
            filed
        ),
    )
    kept = [c for c in idempotency.table.c if c.name in IDEMPOTENCY_COLUMNS]
    remembered = idempotency.table.insert().from_select(
        [c.name for c in kept],
        select(*(bindparam(f"key_{c.name}", type_=c.type) for c in kept))
        .select_from(filed)
        .where(bindparam("key_key", type_=Text).is_not(None)),
    )
    return select(filed.c.receipt).add_cte(published.cte("published"), remembered.cte("remembered"))


OUTBOX_COLUMNS = (
    "event_id", "topic", "key", "type", "source", "subject", "time", "correlation_id", "payload",
)  # fmt: skip
IDEMPOTENCY_COLUMNS = ("principal", "key", "request_hash", "status_code", "response")
_FILING: dict[tuple[str, ...], Any] = {}


async def file_new(conn: AsyncConnection, row: Row, *, event: Row, remembered: Row | None) -> bool:
    """File a new declaration with its outbox row (and its Idempotency-Key's answer) in one
    statement; False, with nothing written, if the person has an open declaration."""
    columns = tuple(sorted(row))
    if columns not in _FILING:
        _FILING[columns] = _filing_statement(columns)
    params = {
        **row,
        **{f"event_{name}": event[name] for name in OUTBOX_COLUMNS},
        **{f"key_{name}": (remembered or {}).get(name) for name in IDEMPOTENCY_COLUMNS},
    }
    return (await conn.execute(_FILING[columns], params)).first() is not None


async def lock_open(session: AsyncSession, person_ref: str) -> Any:
    """The person's open declaration (receipt, status, village, township), locked; or None."""
    stmt = (
        select(_D.receipt, _D.status, _D.village_code, _D.township_code)
        .where(_D.person_ref == person_ref, _D.status.in_(OPEN_STATUSES))
        .with_for_update()
    )
    return (await session.execute(stmt)).first()


async def insert_declaration(session: AsyncSession, row: Row) -> None:
    """Insert a declaration row as it is (a merged filing)."""
    await session.execute(insert(declarations), row)


async def own_filing(session: AsyncSession, principal: Principal, *, open_receipt: str) -> Any:
    """The caller's own filing in an open case: the open declaration or their merged one."""
    stmt = (
        select(_D.receipt, _D.status, _D.accept_by, _D.visit_by)
        .where(
            _D.filed_by == principal.sub,
            _D.filed_by_role == principal.role,
            or_(_D.receipt == open_receipt, _D.merged_into == open_receipt),
        )
        .order_by(_D.created_at)
        .limit(1)
    )
    return (await session.execute(stmt)).first()


async def add_repeat(session: AsyncSession, **values: Any) -> None:
    """Keep a caller's repeat of their own open filing."""
    await session.execute(insert(repeats).values(**values))


# --- following the verification task ---------------------------------------------------------


async def open_task(
    session: AsyncSession, *, receipt: str, task_id: str, now: datetime, at: datetime
) -> Sequence[RowMapping]:
    """Attach a task to a received, verifying or merged declaration; record its acceptance (and
    its visit when the task was already visited). A merged one stays merged."""
    still_merged = case((_D.status == "merged", _D.status), else_=literal("verifying"))
    result = await session.execute(
        update(declarations)
        .where(_D.receipt == receipt, _D.status.in_(("received", "verifying", "merged")))
        .values(
            task_id=task_id,
            status=still_merged,
            outcome=None,
            updated_at=now,
            accepted_at=func.coalesce(_D.accepted_at, at),
            visited_at=func.coalesce(_D.visited_at, _visit_of(task_id)),
        )
        .returning(*_PROGRESS)
    )
    return result.mappings().all()


def _visit_of(task_id: str) -> Any:
    """When the task was reported, if it was (a filing joining a task already visited)."""
    other = declarations.alias("visited")
    return select(func.min(other.c.visited_at)).where(other.c.task_id == task_id).scalar_subquery()


async def visit_task(session: AsyncSession, *, task_id: str, at: datetime) -> Sequence[RowMapping]:
    """Record the visit of every declaration the task carries that had none."""
    result = await session.execute(
        update(declarations)
        .where(_D.task_id == task_id, _D.visited_at.is_(None))
        .values(visited_at=at)
        .returning(*_PROGRESS)
    )
    return result.mappings().all()


async def set_task_status(
    session: AsyncSession, *, task_id: str, now: datetime, status: str, outcome: str | None
) -> int:
    """Set the status and outcome of the task's open declarations; how many changed."""
    result = await session.execute(
        update(declarations)
        .where(_D.task_id == task_id, _D.status.in_(OPEN_STATUSES))
        .values(status=status, outcome=outcome, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def include_confirmed(session: AsyncSession, *, person_refs: list[str], now: datetime) -> int:
    """Mark the persons' confirmed-risk declarations included; how many changed."""
    result = await session.execute(
        update(declarations)
        .where(
            _D.person_ref.in_(person_refs), _D.status == "verified", _D.outcome == "risk_confirmed"
        )
        .values(status="included", updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- overdue stages --------------------------------------------------------------------------


async def flag_overdue(
    session: AsyncSession, *, receipts: Sequence[str], stage: Stage, now: datetime
) -> Sequence[RowMapping]:
    """Flag the stage of these declarations overdue unless it was; return the ones flagged now."""
    return await _flag(session, _D.receipt.in_(receipts), stage, now)


async def flag_pending_overdue(
    session: AsyncSession, *, stage: Stage, now: datetime, limit: int
) -> Sequence[RowMapping]:
    """Flag up to `limit` declarations whose stage is still pending after its day ended (oldest
    due first, rows other sweeps hold skipped); return them."""
    due = declarations.c[f"{stage}_by"]
    pending = (
        select(_D.receipt)
        .where(
            due < local_date(now),
            declarations.c[DONE_AT[stage]].is_(None),
            declarations.c[f"{stage}_overdue_at"].is_(None),
        )
        .order_by(due)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return await _flag(session, _D.receipt.in_(pending), stage, now)


async def _flag(
    session: AsyncSession, which: ColumnElement[bool], stage: Stage, now: datetime
) -> Sequence[RowMapping]:
    flag = declarations.c[f"{stage}_overdue_at"]
    return await flag_unflagged(session, flag=flag, where=[which], at=now, returning=_OVERDUE_FACTS)


# --- reading ---------------------------------------------------------------------------------


def scope_filter(principal: Principal) -> ColumnElement[bool]:
    """The declarations a staff principal may list."""
    if principal.role == "auditor":
        return true()
    if principal.role == "village":
        return _D.village_code == principal.scope
    if principal.role == "township":
        return _D.township_code == principal.scope
    if principal.role in ("county", "province"):
        return _D.county_code.startswith(principal.scope)
    raise Forbidden("当前角色无权查看申报列表", code="forbidden_role")


async def find_public(
    session: AsyncSession, receipt: str, *, filed_by: Principal | None = None
) -> RowMapping | None:
    """The masked columns of a declaration (only if `filed_by` filed it, when given)."""
    stmt = select(*PUBLIC_COLUMNS).where(_D.receipt == receipt)
    if filed_by is not None:
        stmt = stmt.where(_D.filed_by == filed_by.sub, _D.filed_by_role == filed_by.role)
    return (await session.execute(stmt)).mappings().first()


async def in_scope(session: AsyncSession, receipt: str, principal: Principal) -> bool:
    """True if the staff principal's scope covers the declaration."""
    stmt = select(true()).where(_D.receipt == receipt, scope_filter(principal))
    return (await session.execute(stmt)).first() is not None


def filtered(principal: Principal, filters: Filters) -> Select[Any]:
    """The scoped, filtered select of masked columns, oldest first."""
    stmt = select(*PUBLIC_COLUMNS).where(scope_filter(principal))
    for name in ("status", "channel", "village_code", "township_code"):
        if value := filters.get(name):
            stmt = stmt.where(declarations.c[name] == value)
    return stmt.order_by(_D.created_at, _D.receipt)


async def page(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """One keyset page of the declarations in scope."""
    return await keyset_page(
        session,
        filtered(principal, filters),
        created=_D.created_at,
        key=_D.receipt,
        limit=limit,
        cursor=cursor,
    )


async def stream(
    session: AsyncSession, principal: Principal, *, filters: Filters, max_rows: int
) -> AsyncIterator[Row]:
    """Every declaration in scope (up to max_rows), streamed from the server (a cursor)."""
    async for row in stream_mappings(session, filtered(principal, filters).limit(max_rows)):
        yield dict(row)
