"""The county's data-quality list (the sweep's findings), JSON or XLSX; masked."""

import io
from typing import Any

from openpyxl import Workbook
from shouwang.assistance.adapters import quality
from shouwang.assistance.domain.elimination import QUALITY_MESSAGES
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import READ_ROLES, require_role
from shouwang.assistance.service.campaign_export import neutralise
from shouwang.assistance.service.campaigns import sees_county
from shouwang.common.auth.principal import Principal
from shouwang.common.failures import Forbidden, Invalid
from shouwang.common.geography import Geography

Row = dict[str, Any]
HEADER = ("乡镇", "村", "户主", "状态", "问题代码", "问题说明", "检查时间")
STATUS_LABELS = {"identifying": "识别中", "monitored": "监测中", "deferred_exit": "缓退"}


def _county(principal: Principal, county: str | None) -> str:
    """The county asked for (the caller's own when not given), if the caller may see it."""
    code = county or (principal.region or "")[:6]
    if len(code) != 6 or not code.isdigit():
        raise Invalid("请指定 6 位县级代码", code="county_required", field="county")
    if not sees_county(principal, code):
        raise Forbidden("无权查看其他县的数据", code="forbidden_scope")
    return code


def _view(row: Row) -> Row:
    return {
        "household_id": str(row["household_id"]),
        "township_code": row["township_code"],
        "village_code": row["village_code"],
        "head_name_masked": row["head_name_masked"],
        "status": row["status"],
        "flags": [{"code": f, "message": QUALITY_MESSAGES.get(f, f)} for f in row["flags"]],
        "checked_at": row["checked_at"].isoformat(),
    }


async def list_flags(
    runtime: AssistanceRuntime,
    principal: Principal,
    *,
    county: str | None,
    township: str | None,
    flag: str | None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[str, list[Row]]:
    """(county, flagged households) within the caller's geography."""  # fmt: skip
    require_role(principal, *READ_ROLES)
    code = _county(principal, county)
    region = principal.region or ""
    async with runtime.sessionmaker() as session:
        rows = await quality.flagged(
            session,
            county=code,
            region=region if len(region) > 6 else None,
            township=township,
            flag=flag,
            limit=limit,
            offset=offset,
        )
    return code, [_view(r) for r in rows]


def quality_xlsx(items: list[Row], geography: Geography) -> bytes:
    """One row per flag: Chinese headers, masked head of household, formulas neutralised."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据质量问题")
    sheet.append(list(HEADER))
    for item in items:
        for f in item["flags"]:
            cells = [
                geography.name(item["township_code"]) or item["township_code"],
                geography.name(item["village_code"]) or item["village_code"],
                item["head_name_masked"], STATUS_LABELS.get(item["status"], item["status"]),
                f["code"], f["message"], item["checked_at"][:19].replace("T", " "),
            ]  # fmt: skip
            sheet.append([neutralise(c) for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
