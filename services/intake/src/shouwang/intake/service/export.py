"""The XLSX sheet of declarations, streamed: masked data only, formula-like cells neutralised."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.clock import SHANGHAI
from shouwang.common.spreadsheet.writer import Cell, xlsx_stream
from shouwang.intake.domain.declaration import CHANNEL_LABELS, OUTCOME_LABELS, STATUS_LABELS
from shouwang.intake.runtime import IntakeRuntime
from shouwang.intake.service import queries

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


def _local(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _cells(row: dict[str, Any]) -> list[Cell]:
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


async def _sheet_rows(
    runtime: IntakeRuntime, principal: Principal, filters: queries.Filters
) -> AsyncIterator[list[Cell]]:
    limit = runtime.settings.max_export_rows
    async with runtime.sessionmaker() as session:
        async for row in queries.stream_rows(session, principal, filters=filters, max_rows=limit):
            yield _cells(row)


def declarations_xlsx(
    runtime: IntakeRuntime, principal: Principal, filters: queries.Filters
) -> AsyncIterator[bytes]:
    """The sheet of the declarations in scope, in chunks while the rows stream from Postgres."""
    queries.scope_filter(principal)  # 403 before the response starts
    return xlsx_stream("申报台账", HEADERS, _sheet_rows(runtime, principal, filters))
