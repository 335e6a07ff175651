"""The plan ledger (一户一策台账) as XLSX: a row per measure, streamed, masked.

The households are the household list's (the caller's area and the same filters); the head of
household is shown masked, free text (a measure's name, the cadre's name) scrubbed of ID and
phone numbers. Rows come from a server-side cursor and are written as they come.
"""

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from shouwang.assistance.adapters.plans import ledger_rows
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.queries import require_reader
from shouwang.common.auth.principal import Principal
from shouwang.common.clock import SHANGHAI
from shouwang.common.geography import Geography
from shouwang.common.pii_scrub import scrub_text
from shouwang.common.spreadsheet.writer import Cell, xlsx_stream
from shouwang.common.vocab import HOUSEHOLD_STATUS

HEADERS = (
    "档案编号",
    "乡镇",
    "村（社区）",
    "户主（脱敏）",
    "类别",
    "状态",
    "帮扶责任人",
    "措施类型",
    "措施名称",
    "开始日期",
    "结束日期",
    "金额（元）",
    "制定日期",
    "计划期限",
    "超期制定",
    "计划编号",
    "录入时间",
)


def plan_rows(row: Mapping[Any, Any], geography: Geography) -> Iterator[list[Cell]]:
    """A plan's measures as sheet rows (the plan's columns repeated on each)."""
    township, village, due = row["township_code"], row["village_code"], row["due_on"]
    plan = [
        str(row["household_id"]),
        geography.name(township) or township,
        geography.name(village) or village,
        row["head_name_masked"],
        row["category"] or "待确定",
        HOUSEHOLD_STATUS.get(row["status"], row["status"]),
        scrub_text(row["cadre_name"]),
    ]
    made = [
        row["made_on"].isoformat(),
        due.isoformat() if due else None,
        "是" if row["late"] else "否",
        str(row["id"]),
        row["created_at"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
    ]
    for m in row["measures"]:
        amount = m.get("amount_yuan")
        measure = [m["type"], scrub_text(m["name"]), m["starts_on"], m["ends_on"], amount]
        yield [*plan, *measure, *made]


async def _rows(
    runtime: AssistanceRuntime, principal: Principal, filters: dict[str, Any]
) -> AsyncIterator[list[Cell]]:
    geography, left = runtime.geography, runtime.settings.max_export_rows
    async with runtime.sessionmaker() as session:
        plans = ledger_rows(session, region=principal.region, filters=filters, limit=left)
        async for row in plans:
            for cells in plan_rows(row, geography):
                if left == 0:
                    return
                left -= 1
                yield cells


def plans_xlsx(
    runtime: AssistanceRuntime, principal: Principal, filters: dict[str, Any]
) -> AsyncIterator[bytes]:
    """The ledger of the plans of the caller's households matching the list filters."""
    require_reader(principal)  # 403 before the response starts
    return xlsx_stream("帮扶计划台账", HEADERS, _rows(runtime, principal, filters))
