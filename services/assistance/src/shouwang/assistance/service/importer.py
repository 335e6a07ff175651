"""Streaming import of a registry export (CSV/XLSX rows): grouped by 户编号, per-row errors."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.domain.import_rows import ImportRow, RowError, header_index, parse_row
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import require_role
from shouwang.assistance.service.people import member_row
from shouwang.assistance.service.registry import insert_household
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.failures import Failure, Invalid
from shouwang.common.spreadsheet.errors import empty_file
from shouwang.common.spreadsheet.reader import Row, is_blank
from sqlalchemy.exc import IntegrityError

MAX_ERRORS = 1000
IMPORT_ROLES = ("county", "township")
Group = list[tuple[int, ImportRow]]


@dataclass
class ImportReport:
    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    members_imported: int = 0
    rejected_rows: int = 0
    batches_committed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, row: int, code: str, message: str, field_name: str | None) -> None:
        self.rejected_rows += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "code": code, "message": message, "field": field_name})


async def import_records(
    runtime: AssistanceRuntime, principal: Principal, records: AsyncIterator[Row]
) -> dict[str, Any]:
    """Import the numbered rows of a registry export (header first); each batch commits alone."""
    require_role(principal, *IMPORT_ROLES)
    report = ImportReport()
    first = await anext(records, None)
    if first is None:
        raise empty_file()
    try:
        index = header_index(first[1])
    except RowError as exc:
        raise Invalid(exc.message, code=exc.code, field=exc.field) from None
    batch_size = runtime.settings.import_batch_households
    batch: list[Group] = []
    group: Group = []
    today = local_now(runtime).date()
    async for row_no, cells in records:
        if is_blank(cells):
            continue
        report.rows += 1
        try:
            parsed = parse_row(cells, index, today=today)
        except RowError as exc:
            report.reject(row_no, exc.code, exc.message, exc.field)
            continue
        if group and group[0][1].household_no != parsed.household_no:
            batch.append(group)
            group = []
        group.append((row_no, parsed))
        if len(batch) >= batch_size:
            await _commit_batch(runtime, principal, batch, report)
            batch = []
    if group:
        batch.append(group)
    if batch:
        await _commit_batch(runtime, principal, batch, report)
    return report.__dict__


async def _commit_batch(
    runtime: AssistanceRuntime, principal: Principal, batch: list[Group], report: ImportReport
) -> None:
    now = local_now(runtime)
    async with runtime.uow() as uow:
        for group in batch:
            try:
                async with uow.session.begin_nested():
                    await _save_group(uow, runtime, principal, group, report, now)
            except (RowError, Failure, IntegrityError) as exc:
                code = getattr(exc, "code", "person_already_registered")
                message = getattr(exc, "message", "人员已在本县其他农户中登记")
                for row_no, _ in group:
                    report.reject(row_no, str(code), str(message), getattr(exc, "field", None))
        await uow.commit()
    report.batches_committed += 1


def _check_place(runtime: AssistanceRuntime, principal: Principal, village: str) -> str:
    if not principal.covers(village):
        raise RowError("forbidden_scope", "村代码不在本辖区内", "village_code")
    township = runtime.geography.township_of(village)
    if township is None:
        raise RowError("unknown_village", "村代码不存在", "village_code")
    return str(township)


async def _save_group(
    uow: UnitOfWork,
    runtime: AssistanceRuntime,
    principal: Principal,
    group: Group,
    report: ImportReport,
    now: Any,
) -> None:
    rows = sorted(group, key=lambda r: r[1].member["relation"] != "户主")
    facts = rows[0][1].household
    township = _check_place(runtime, principal, facts["village_code"])
    existing = await repo.find_by_external_no(
        uow.session, facts["village_code"][:6], facts["external_no"]
    )
    if existing is None:
        data = {**facts, "members": [r[1].member for r in rows]}
        household_id = await insert_household(
            uow, runtime, data, township_code=township, source="import", now=now
        )
        report.households_created += 1
        report.members_imported += len(rows)
    else:
        household_id = existing["id"]
        report.members_imported += await _add_missing(uow, runtime, existing, rows)
        changes = {k: facts[k] for k in ("category", "status", "risk_types", "protection")}
        await repo.update_household(uow.session, household_id, now=now, **changes)
        report.households_updated += 1
    await repo.add_history(
        uow.session,
        household_id,
        at=now,
        action="imported",
        actor=principal.sub,
        details={"rows": [r[0] for r in rows]},
    )
    await repo.publish_status(uow, household_id, now=now, reason="imported")


async def _add_missing(
    uow: UnitOfWork, runtime: AssistanceRuntime, existing: dict[str, Any], rows: Group
) -> int:
    present = {m["person_ref"] for m in await repo.get_members(uow.session, existing["id"])}
    settings = runtime.settings
    new = [
        member_row(
            r[1].member,
            household_id=existing["id"],
            county_code=existing["county_code"],
            cipher=runtime.cipher,
            master_secret=settings.hmac_key.get_secret_value(),
            is_head=False,
        )
        for r in rows
    ]
    new = [m for m in new if m["person_ref"] not in present]
    if new:
        await repo.add_members(uow.session, new)
    return len(new)
