"""County work: extensions of the push window, the unroutable queue, the registry import."""

import csv
import io
import uuid
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.failures import Conflict, Forbidden, Invalid, NotFound
from shouwang.common.geography import Geography
from shouwang.common.identity import ProtectedPerson, person_ref_of
from shouwang.common.idnumber import validate_id_number
from shouwang.warning.adapters.held_items import lock_unroutable, mark_routed, unroutable_page
from shouwang.warning.adapters.push_window import save_extension
from shouwang.warning.adapters.registry import save_statuses
from shouwang.warning.domain.indicators import DEPARTMENTS
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.policy import county_policy
from shouwang.warning.service.routing import Outcome, route_signals
from shouwang.warning.service.routing_rows import Signal
from sqlalchemy.ext.asyncio import AsyncSession


def require_county(principal: Principal) -> str:
    """The county a county-level caller acts for."""
    if principal.role != "county":
        raise Forbidden("只有县级农业农村部门可以执行此操作", code="forbidden_role")
    return principal.scope


async def open_extension(
    runtime: WarningRuntime, principal: Principal, *, department: str, period: str, until: datetime
) -> dict[str, Any]:
    """Let a department push late for one period until a moment (补报延期)."""
    county = require_county(principal)
    if department not in DEPARTMENTS:
        raise Invalid("未知的部门代码", code="unknown_department", field="department")
    if until.tzinfo is None:
        raise Invalid("截止时间须带时区，如 +08:00", code="timezone_required", field="until")
    row = {
        "county_code": county,
        "department": department,
        "period": period,
        "until": until,
        "created_by": principal.sub,
    }
    async with runtime.uow() as uow:
        await save_extension(uow.session, row)
        await uow.commit()
    return {**row, "until": until.isoformat()}


async def list_unroutable(
    runtime: WarningRuntime,
    principal: Principal,
    *,
    status: str | None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Items whose village the geography does not know, for the county to route by hand."""
    if principal.role not in ("county", "province", "auditor"):
        raise Forbidden("当前角色无权查看待人工分派事项", code="forbidden_role")
    region = None if principal.role == "auditor" else principal.scope
    async with runtime.sessionmaker() as session:
        rows, next_cursor = await unroutable_page(
            session, region=region, status=status, limit=limit, cursor=cursor
        )
    items = [
        {**r, "id": str(r["id"]), "task_id": str(r["task_id"]) if r["task_id"] else None}
        for r in rows
    ]
    return items, next_cursor


async def route_unroutable(
    runtime: WarningRuntime, principal: Principal, item_id: str, *, village_code: str
) -> dict[str, Any]:
    """Route a held item to a known village: it joins (or opens) that person's task."""
    county = require_county(principal)
    _require_village_of(county, village_code, runtime.geography)
    async with runtime.uow() as uow:
        item = await _open_held_item(uow.session, county, item_id)
        outcome = await _route_held(uow, item, village_code, runtime=runtime)
        task_id = outcome.task_ids[0] if outcome.task_ids else None
        await mark_routed(uow.session, item["id"], village_code=village_code, task_id=task_id)
        await uow.commit()
    return {
        "id": item_id,
        "status": "routed",
        "task_id": task_id,
        "attached": outcome.signals_attached > 0,
    }


def _require_village_of(county: str, village_code: str, geography: Geography) -> None:
    if geography.township_of(village_code) is None or not village_code.startswith(county):
        raise Invalid(
            "村（社区）代码不存在或不属于本县", code="unknown_village", field="village_code"
        )


async def _open_held_item(session: AsyncSession, county: str, item_id: str) -> dict[str, Any]:
    """The county's held item, locked, if it still waits to be routed."""
    item = await lock_unroutable(session, _uuid(item_id))
    if item is None or item["county_code"] != county:
        raise NotFound("待分派事项不存在", code="unroutable_not_found")
    if item["status"] != "open":
        raise Conflict("该事项已分派", code="already_routed")
    return item


async def _route_held(
    uow: UnitOfWork, item: dict[str, Any], village_code: str, *, runtime: WarningRuntime
) -> Outcome:
    """Route the held item's signal to the village the county named, as any signal is."""
    county, period, now = item["county_code"], item["period"], runtime.clock.now()
    return await route_signals(
        uow,
        [_held_signal(item, village_code)],
        county_code=county,
        period=period,
        now=now,
        geography=runtime.geography,
        policy=await county_policy(uow.session, county_code=county, period=period),
    )


def _held_signal(item: dict[str, Any], village_code: str) -> Signal:
    person = ProtectedPerson(
        item["person_ref"], item["id_enc"], item["name_enc"], item["id_masked"], item["name_masked"]
    )
    return Signal(
        person=person,
        village_code=village_code,
        channel=item["channel"],
        source_ref=item["source_ref"],
        department=item["department"],
        indicator=item["indicator"],
        values=dict(item["values"]),
    )


REGISTRY_COLUMNS = {
    "身份证号": "id_number",
    "id_number": "id_number",
    "状态": "status",
    "status": "status",
    "户编号": "household_id",
    "household_id": "household_id",
}
REGISTRY_STATUS = {
    "脱贫户": "lifted",
    "lifted": "lifted",
    "监测对象": "monitored",
    "monitored": "monitored",
    "已消除风险": "risk_eliminated",
    "risk_eliminated": "risk_eliminated",
}


async def import_registry(
    runtime: WarningRuntime, principal: Principal, data: bytes
) -> dict[str, Any]:
    """Load an existing registry export (CSV) into the comparison projection."""
    county = require_county(principal)
    secret = runtime.settings.hmac_key.get_secret_value()
    rows, errors = _registry_rows(_utf8(data), county=county, secret=secret)
    async with runtime.uow() as uow:
        await save_statuses(uow.session, rows)
        await uow.commit()
    return {"imported": len(rows), "rejected": len(errors), "errors": errors[:1000]}


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("文件编码应为 UTF-8（CSV）", code="invalid_encoding", field="file") from None


def _registry_rows(
    text: str, *, county: str, secret: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The registry rows of a CSV export (one per person, the last line wins), and its errors."""
    rows: dict[str, dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    for line, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        record = {
            REGISTRY_COLUMNS[k.strip()]: (v or "").strip()
            for k, v in raw.items()
            if k and k.strip() in REGISTRY_COLUMNS
        }
        status = REGISTRY_STATUS.get(record.get("status", ""))
        id_number = record.get("id_number", "").upper()
        if validate_id_number(id_number) or status is None:
            errors.append(_row_error(line, bad_status=status is None))
            continue
        ref = person_ref_of(id_number, master_secret=secret, county_code=county)
        rows[ref] = {
            "person_ref": ref,
            "county_code": county,
            "status": status,
            "household_id": record.get("household_id") or None,
        }
    return list(rows.values()), errors


def _row_error(line: int, *, bad_status: bool) -> dict[str, Any]:
    return {
        "row": line,
        "field": "status" if bad_status else "id_number",
        "message": "状态无效" if bad_status else "身份证号无效",
    }


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("待分派事项不存在", code="unroutable_not_found") from None
