"""Reading the household metrics and the time-dependent deadline colours (small tables only)."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shouwang.audit.adapters import household_metrics, task_metrics
from shouwang.audit.adapters.household_metrics import COUNTY_TOTAL
from shouwang.common.geography import Geography
from sqlalchemy.ext.asyncio import AsyncConnection

COLOURS = ("green", "amber", "red")
TIMELINESS_KINDS = ("identification", "plan")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _name(geography: Geography, code: str) -> str:
    return geography.name(code) or code


async def deadline_colours(
    conn: AsyncConnection, county: str, now: datetime, amber_ratio: float, geography: Geography
) -> dict[str, Any]:
    """Open tasks with a running deadline by colour, per township and for the county."""
    rows = await task_metrics.colour_counts(conn, county, now, amber_ratio)
    towns: dict[str, dict[str, int]] = {
        r.code: dict.fromkeys(COLOURS, 0) for r in geography.townships(county)
    }
    for township, name, count in rows:
        towns.setdefault(township, dict.fromkeys(COLOURS, 0))[name] = int(count)
    county_total = {c: sum(t[c] for t in towns.values()) for c in COLOURS}
    codes = sorted(towns, key=lambda code: (-towns[code]["red"], -towns[code]["amber"], code))
    listed = [
        {"township_code": code, "township_name": _name(geography, code), **towns[code]}
        for code in codes
    ]
    return {"total": county_total, "townships": listed}


async def timeliness_rates(
    conn: AsyncConnection, county: str, periods: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Identification within 15 days and first plans within 10 days, over the given months."""
    found = await household_metrics.timeliness_sums(conn, county, periods)
    result = {}
    for kind in TIMELINESS_KINDS:
        total, on_time = found.get(kind, (0, 0))
        result[kind] = {
            "total": total,
            "on_time": on_time,
            "late": total - on_time,
            "rate": _rate(on_time, total),
        }
    return result


async def monitoring_objects(
    conn: AsyncConnection, county: str, geography: Geography
) -> dict[str, Any]:
    """Current monitoring objects by category, by risk type, and per township."""
    rows = await household_metrics.household_count_rows(conn, county)
    by_dimension: dict[str, list[dict[str, Any]]] = defaultdict(list)
    towns: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["township_code"] == COUNTY_TOTAL:
            by_dimension[row["dimension"]].append({"value": row["value"], "count": row["count"]})
            continue
        town = towns.setdefault(
            row["township_code"],
            {
                "township_code": row["township_code"],
                "township_name": _name(geography, row["township_code"]),
                "total": 0,
                "categories": {},
            },
        )
        if row["dimension"] == "total":
            town["total"] = row["count"]
        elif row["dimension"] == "category":
            town["categories"][row["value"]] = row["count"]
    ordered = {
        d: sorted(by_dimension[d], key=lambda r: (-r["count"], r["value"]))
        for d in ("category", "risk_type")
    }
    total = next((r["count"] for r in by_dimension["total"]), 0)
    return {
        "total": total,
        "by_category": ordered["category"],
        "by_risk_type": ordered["risk_type"],
        "by_township": sorted(towns.values(), key=lambda t: (-t["total"], t["township_code"])),
    }


async def rectification_rates(
    conn: AsyncConnection, county: str, geography: Geography
) -> dict[str, Any]:
    """整改完成率 of the campaign problem lists (all campaigns), per township and county."""
    sums = await household_metrics.rectification_sums(conn, county)
    cells = {t: {**v, "rate": _rate(v["closed"], v["recorded"])} for t, v in sums.items()}
    empty = {"recorded": 0, "closed": 0, "closed_on_time": 0, "rate": None}
    towns = [
        {"township_code": t, "township_name": _name(geography, t), **v}
        for t, v in cells.items()
        if t != COUNTY_TOTAL
    ]
    towns.sort(key=lambda t: (t["rate"] if t["rate"] is not None else 2, t["township_code"]))
    return {"total": cells.get(COUNTY_TOTAL, empty), "townships": towns}
