"""The task list as XLSX, streamed from a server-side cursor: masked columns only.

The rows are the list's (same scope, filters and deadline colour, oldest first); the person is
shown by the masked name and ID number the task was created with, the cadre's name scrubbed of
any ID or phone number typed into it. Memory stays flat whatever the number of tasks.
"""

from collections.abc import AsyncIterator, Mapping
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.geography import Geography
from shouwang.common.pii_scrub import scrub_text
from shouwang.common.spreadsheet.writer import Cell, xlsx_stream
from shouwang.common.vocab import CHANNELS, DEADLINE_COLOURS, TASK_OUTCOMES, TASK_STATUS
from shouwang.warning.adapters.task_reads import TaskView, export_rows
from shouwang.warning.runtime import WarningRuntime

HEADERS = (
    "任务编号",
    "期次",
    "乡镇",
    "村（社区）",
    "姓名（脱敏）",
    "身份证号（脱敏）",
    "来源",
    "状态",
    "时限",
    "分派截止",
    "核实截止",
    "核实村（社区）",
    "责任干部",
    "核实结果",
    "入户核实日期",
    "生成时间",
)


def task_cells(row: Mapping[Any, Any], geography: Geography) -> list[Cell]:
    """One task as a sheet row (a row of EXPORT_COLUMNS and its deadline colour)."""
    township, village, assigned = row["township_code"], row["village_code"], row["assigned_village"]
    outcome = row["outcome"]
    return [
        row["id"],
        row["period"],
        geography.name(township) or township,
        geography.name(village) or village,
        row["name_masked"],
        row["id_masked"],
        CHANNELS.get(row["channel"], row["channel"]),
        TASK_STATUS.get(row["status"], row["status"]),
        DEADLINE_COLOURS.get(row["colour"], row["colour"]),
        row["assign_by"],
        row["report_by"],
        (geography.name(assigned) or assigned) if assigned else None,
        scrub_text(row["cadre_name"]) if row["cadre_name"] else None,
        TASK_OUTCOMES.get(outcome, outcome) if outcome else None,
        row["visited_on"],
        row["created_at"],
    ]


async def _rows(
    runtime: WarningRuntime,
    principal: Principal,
    *,
    amber_ratio: Mapping[str, float],
    filters: dict[str, str | None],
) -> AsyncIterator[list[Cell]]:
    view = TaskView(principal, runtime.clock.now(), amber_ratio, filters)
    async with runtime.sessionmaker() as session:
        rows = export_rows(session, view, limit=runtime.settings.max_export_rows)
        async for row in rows:
            yield task_cells(row, runtime.geography)


def tasks_xlsx(
    runtime: WarningRuntime,
    principal: Principal,
    *,
    amber_ratio: Mapping[str, float],
    filters: dict[str, str | None],
) -> AsyncIterator[bytes]:
    """The sheet of the visible tasks matching the filters, in chunks while the rows stream."""
    rows = _rows(runtime, principal, amber_ratio=amber_ratio, filters=filters)
    return xlsx_stream("核实任务", HEADERS, rows)
