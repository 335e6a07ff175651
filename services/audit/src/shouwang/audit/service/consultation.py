"""The quarterly consultation (会商) report of a county, from the pre-aggregated metrics only."""

import re
from datetime import datetime
from typing import Any

from shouwang.audit.adapters import task_metrics
from shouwang.audit.adapters.task_metrics import COUNTY_TOTAL
from shouwang.audit.service import metrics, supervision
from shouwang.common.clock import SHANGHAI
from shouwang.common.failures import Invalid
from shouwang.common.geography import Geography
from sqlalchemy.ext.asyncio import AsyncConnection

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
TOP_TOWNSHIPS = 5
SUMMED = ("created", "reported", "confirmed", "returned", "overdue", "closed")


def quarter_of(now: datetime) -> str:
    """The quarter (e.g. 2026Q4) a moment falls in, Beijing time."""
    local = now.astimezone(SHANGHAI)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def quarter_periods(quarter: str) -> list[str]:
    """The three months (YYYY-MM) of a quarter; 422 for a malformed one."""
    match = QUARTER.match(quarter)
    if match is None:
        raise Invalid("季度格式应为 YYYYQn，例如 2026Q4", code="invalid_quarter", field="quarter")
    year, number = int(match[1]), int(match[2])
    return [f"{year}-{month:02d}" for month in range(number * 3 - 2, number * 3 + 1)]


async def _task_sums(
    conn: AsyncConnection, county: str, periods: list[str]
) -> list[dict[str, Any]]:
    rows = await task_metrics.count_sums(conn, county, periods, SUMMED)
    return [{k: (int(v) if k in SUMMED else v) for k, v in row.items()} for row in rows]


def _tasks(sums: list[dict[str, Any]]) -> dict[str, Any]:
    total = next((r for r in sums if r["township_code"] == COUNTY_TOTAL), dict.fromkeys(SUMMED, 0))
    created, closed = int(total["created"]), int(total["closed"])
    return {
        **{k: int(total[k]) for k in SUMMED},
        "closure_rate": round(closed / created, 4) if created else None,
    }


def _top_overdue(sums: list[dict[str, Any]], geography: Geography) -> list[dict[str, Any]]:
    towns = [r for r in sums if r["township_code"] != COUNTY_TOTAL and r["overdue"] > 0]
    towns.sort(key=lambda r: (-r["overdue"], -r["created"], r["township_code"]))
    return [
        {
            "township_code": r["township_code"],
            "township_name": geography.name(r["township_code"]) or r["township_code"],
            "created": r["created"],
            "closed": r["closed"],
            "overdue": r["overdue"],
        }
        for r in towns[:TOP_TOWNSHIPS]
    ]


async def _compliance(
    conn: AsyncConnection, county: str, periods: list[str]
) -> list[dict[str, Any]]:
    """One row per department, with its status in each month of the quarter."""
    rows: dict[str, dict[str, Any]] = {}
    for period in periods:
        for row in await metrics.compliance_table(conn, county, period):
            entry = rows.setdefault(
                row["department"],
                {
                    "department": row["department"],
                    "department_name": row["department_name"],
                    "months": {},
                    "on_time_months": 0,
                    "accepted": 0,
                },
            )
            entry["months"][period] = row["status"]
            entry["on_time_months"] += row["status"] == "on_time"
            entry["accepted"] += row["accepted"]
    return list(rows.values())


async def consultation_report(
    conn: AsyncConnection, county: str, quarter: str, geography: Geography
) -> dict[str, Any]:
    """Everything the 会商 page prints; counts and rates only, no personal data."""
    periods = quarter_periods(quarter)
    sums = await _task_sums(conn, county, periods)
    return {
        "county_code": county,
        "county_name": geography.name(county) or county,
        "quarter": quarter,
        "periods": periods,
        "compliance": await _compliance(conn, county, periods),
        "tasks": {**_tasks(sums), **await metrics.verify_percentiles(conn, county, periods)},
        "timeliness": await supervision.timeliness_rates(conn, county, periods),
        "monitoring": await supervision.monitoring_objects(conn, county, geography),
        "rectification": await supervision.rectification_rates(conn, county, geography),
        "top_overdue": _top_overdue(sums, geography),
    }
