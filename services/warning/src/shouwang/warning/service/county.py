"""County work: extensions of the push window, the unroutable queue, the registry import."""

import csv
import io
import uuid
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.paging import keyset_page
from shouwang.common.failures import Conflict, Forbidden, Invalid, NotFound
from shouwang.common.geography import Geography
from shouwang.common.identity import ProtectedPerson, person_ref_of
from shouwang.common.idnumber import validate_id_number
from shouwang.warning.adapters.tables import extensions, registry, unroutable
from shouwang.warning.domain.indicators import DEPARTMENTS
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.policy import county_policy
from shouwang.warning.service.routing import route_signals
from shouwang.warning.service.routing_rows import Signal
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert


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
        stmt = insert(extensions).values(row)
        await uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["county_code", "department", "period"],
                set_={"until": until, "created_by": principal.sub},
            )
        )
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
    cols = [c for c in unroutable.c if c.name not in ("id_enc", "name_enc", "values")]
    stmt = select(*cols)
    if principal.role != "auditor":
        stmt = stmt.where(unroutable.c.county_code.startswith(principal.scope))
    if status:
        stmt = stmt.where(unroutable.c.status == status)
    async with runtime.sessionmaker() as session:
        rows, next_cursor = await keyset_page(
            session, stmt, created=unroutable.c.created_at, key=unroutable.c.id, limit=limit,
            cursor=cursor, parse_key=uuid.UUID)  # fmt: skip
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
    geography: Geography = runtime.geography
    if geography.township_of(village_code) is None or not village_code.startswith(county):
        raise Invalid(
            "村（社区）代码不存在或不属于本县", code="unknown_village", field="village_code"
        )
    async with runtime.uow() as uow:
        row = (
            (
                await uow.session.execute(
                    select(unroutable).where(unroutable.c.id == _uuid(item_id)).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if row is None or row["county_code"] != county:
            raise NotFound("待分派事项不存在", code="unroutable_not_found")
        if row["status"] != "open":
            raise Conflict("该事项已分派", code="already_routed")
        person = ProtectedPerson(
            row["person_ref"], row["id_enc"], row["name_enc"], row["id_masked"], row["name_masked"]
        )
        signal = Signal(
            person=person,
            village_code=village_code,
            channel=row["channel"],
            source_ref=row["source_ref"],
            department=row["department"],
            indicator=row["indicator"],
            values=dict(row["values"]),
        )
        outcome = await route_signals(
            uow,
            [signal],
            county_code=county,
            period=row["period"],
            now=runtime.clock.now(),
            geography=geography,
            policy=await county_policy(uow.session, county_code=county, period=row["period"]),
        )
        task_id = outcome.task_ids[0] if outcome.task_ids else None
        await uow.session.execute(
            update(unroutable)
            .where(unroutable.c.id == row["id"])
            .values(
                status="routed",
                village_code=village_code,
                task_id=uuid.UUID(task_id) if task_id else None,
            )
        )
        await uow.commit()
    return {
        "id": item_id,
        "status": "routed",
        "task_id": task_id,
        "attached": outcome.signals_attached > 0,
    }


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
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("文件编码应为 UTF-8（CSV）", code="invalid_encoding", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    rows: dict[str, dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    for line, raw in enumerate(reader, start=2):
        record = {
            REGISTRY_COLUMNS[k.strip()]: (v or "").strip()
            for k, v in raw.items()
            if k and k.strip() in REGISTRY_COLUMNS
        }
        status = REGISTRY_STATUS.get(record.get("status", ""))
        id_number = record.get("id_number", "").upper()
        if validate_id_number(id_number) or status is None:
            errors.append(
                {
                    "row": line,
                    "field": "status" if status is None else "id_number",
                    "message": "状态无效" if status is None else "身份证号无效",
                }
            )
            continue
        secret = runtime.settings.hmac_key.get_secret_value()
        ref = person_ref_of(id_number, master_secret=secret, county_code=county)
        rows[ref] = {
            "person_ref": ref,
            "county_code": county,
            "status": status,
            "household_id": record.get("household_id") or None,
        }
    async with runtime.uow() as uow:
        values = list(rows.values())
        for start in range(0, len(values), 5000):
            stmt = insert(registry).values(values[start : start + 5000])
            await uow.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["person_ref"],
                    set_={
                        "status": stmt.excluded.status,
                        "household_id": stmt.excluded.household_id,
                    },
                )
            )
        await uow.commit()
    return {"imported": len(rows), "rejected": len(errors), "errors": errors[:1000]}


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("待分派事项不存在", code="unroutable_not_found") from None
