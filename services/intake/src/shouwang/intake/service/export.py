"""The XLSX sheet of declarations: masked data only, formula-like cells neutralised."""

import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from shouwang.common.clock import SHANGHAI
from shouwang.intake.domain.declaration import CHANNEL_LABELS, OUTCOME_LABELS, STATUS_LABELS

HEADERS = (
    "受理编号",
    "申报渠道",
    "状态",
    "核实结果",
    "乡镇代码",
    "村（社区）代码",
    "姓名",
    "身份证号码",
    "联系电话",
    "家庭人口",
    "困难类型",
    "受理时间",
    "更新时间",
)
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix text a spreadsheet would read as a formula with a quote (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD):
        return "'" + value
    return value


def _local(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["receipt"],
        CHANNEL_LABELS.get(row["channel"], row["channel"]),
        STATUS_LABELS.get(row["status"], row["status"]),
        OUTCOME_LABELS.get(row["outcome"] or "", row["outcome"] or ""),
        row["township_code"],
        row["village_code"],
        row["name_masked"],
        row["id_masked"],
        row["phone_masked"] or "",
        row["household_size"],
        "、".join(row["hardships"]),
        _local(row["created_at"]),
        _local(row["updated_at"]),
    ]


async def build_xlsx(rows: AsyncIterator[dict[str, Any]]) -> bytes:
    """Write the rows into a write-only workbook and return its bytes."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("申报台账")
    sheet.append(list(HEADERS))
    async for row in rows:
        sheet.append([neutralise(v) for v in _cells(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
