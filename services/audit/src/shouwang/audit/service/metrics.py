"""Reading the pre-aggregated supervision metrics (small tables; no scan of the raw log)."""

from collections.abc import Sequence
from typing import Any

from shouwang.audit.adapters import task_metrics as store
from shouwang.common import vocab
from shouwang.common.geography import Geography
from sqlalchemy.ext.asyncio import AsyncConnection

DEPARTMENTS = vocab.DEPARTMENTS
COUNT_FIELDS = (
    "created",
    "routed",
    "assigned",
    "reported",
    "confirmed",
    "returned",
    "overdue",
    "closed",
)
TREND_MONTHS = 12


def compliance_status(row: dict[str, Any] | None) -> str:
    """on_time, late (extended), urgent_only, missing, or not_pushed."""
    if row is None:
        return "not_pushed"
    for column, status in (("on_time", "on_time"), ("extended", "late"), ("urgent", "urgent_only")):
        if row[column]:
            return status
    return "missing" if row["missing"] else "not_pushed"


async def compliance_table(conn: AsyncConnection, county: str, period: str) -> list[dict[str, Any]]:
    """One row per catalogue department (plus any other that pushed) for the period."""
    rows = await store.compliance_rows(conn, county, period)
    departments = list(DEPARTMENTS) + sorted(set(rows) - set(DEPARTMENTS))
    return [
        {
            "department": d,
            "department_name": DEPARTMENTS.get(d, d),
            "status": compliance_status(rows.get(d)),
            **{
                k: (rows[d][k] if d in rows else 0)
                for k in ("on_time", "extended", "urgent", "accepted")
            },
        }
        for d in departments
    ]


async def township_table(
    conn: AsyncConnection, county: str, period: str, geography: Geography
) -> list[dict[str, Any]]:
    """Task counters per township, ranked by closure rate then fewest overdue."""
    rows = await store.township_counts(conn, county, period)
    counted = {r["township_code"]: _with_rate(r) for r in rows}
    for region in geography.townships(county):
        counted.setdefault(
            region.code,
            _with_rate({"township_code": region.code, **dict.fromkeys(COUNT_FIELDS, 0)}),
        )
    result = [
        {**row, "township_name": geography.name(code) or code} for code, row in counted.items()
    ]
    result.sort(key=lambda r: (-r["closure_rate"], r["overdue"], -r["created"], r["township_code"]))
    return [{**row, "rank": i + 1} for i, row in enumerate(result)]


def _with_rate(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("county_code", None)
    row.pop("period", None)
    row["open"] = row["created"] - row["closed"]
    row["closure_rate"] = round(row["closed"] / row["created"], 4) if row["created"] else 0.0
    return row


async def county_totals(conn: AsyncConnection, county: str, period: str) -> dict[str, Any]:
    """KPI counters of the county for the period."""
    row = await store.county_counts(conn, county, period)
    return _with_rate(row or dict.fromkeys(COUNT_FIELDS, 0))


async def trend(conn: AsyncConnection, county: str, period: str) -> list[dict[str, Any]]:
    """County counters by month, the last twelve periods up to the given one."""
    rows = await store.county_counts_up_to(conn, county, period, TREND_MONTHS)
    return [
        {
            "period": r["period"],
            "created": r["created"],
            "closed": r["closed"],
            "overdue": r["overdue"],
        }
        for r in reversed(rows)
    ]


async def verify_percentiles(
    conn: AsyncConnection, county: str, period: str | Sequence[str]
) -> dict[str, Any]:
    """Median and p90 hours from creation to the village's report, from the hour histogram."""
    periods = [period] if isinstance(period, str) else list(period)
    rows = await store.verify_hour_counts(conn, county, periods)
    total = sum(count for _, count in rows)
    return {
        "verified": total,
        "median_hours_to_verify": _quantile(rows, total, 0.5),
        "p90_hours_to_verify": _quantile(rows, total, 0.9),
    }


def _quantile(rows: Sequence[Any], total: int, q: float) -> int | None:
    if not total:
        return None
    rank, seen = q * total, 0
    for hours, count in rows:
        seen += count
        if seen >= rank:
            return int(hours)
    return int(rows[-1][0])


async def overdue_tasks(
    conn: AsyncConnection, county: str, geography: Geography, limit: int = 100
) -> list[dict[str, Any]]:
    """Open tasks past a deadline, the longest overdue first."""
    rows = await store.overdue_open_tasks(conn, county, limit)
    return [
        {
            "task_id": r["task_id"],
            "township_code": r["township_code"],
            "township_name": geography.name(r["township_code"]) or r["township_code"],
            "period": r["period"],
            "status": r["status"],
            "stage": r["overdue_stage"],
            "due_at": r["overdue_due_at"].isoformat() if r["overdue_due_at"] else None,
        }
        for r in rows
    ]
