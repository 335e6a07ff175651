"""Reads of the policy store: effective values, history, a province's calendar year."""

from datetime import date
from typing import Any

from shouwang.common.policy.calendar_seed import package_version
from shouwang.common.policy.resolution import EffectivePolicy
from shouwang.policy.adapters import store
from shouwang.policy.runtime import PolicyRuntime

FALLBACK_WARNING = "该年度暂无节假日与调休数据，工作日暂按周一至周五计算，请尽快补充"


async def effective(runtime: PolicyRuntime, *, region_code: str, on: date) -> EffectivePolicy:
    """Every setting's effective value for a region on a date."""
    async with runtime.engine.connect() as conn:
        return await store.effective(conn, region_code=region_code, on=on)


async def history(
    runtime: PolicyRuntime, *, region_code: str, limit: int, before: int | None
) -> dict[str, Any]:
    """One page of a region's versions, newest first."""
    async with runtime.engine.connect() as conn:
        rows = await store.history_page(conn, region_code=region_code, limit=limit + 1,
                                        before=before)  # fmt: skip
    more = len(rows) > limit
    items = [store.version_json(r) for r in rows[:limit]]
    return {"items": items, "next_cursor": str(items[-1]["version"]) if more else None}


async def calendar_year(runtime: PolicyRuntime, *, province_code: str, year: int) -> dict[str, Any]:
    """A province's working-day calendar of a year, with where it comes from."""
    async with runtime.engine.connect() as conn:
        cal = await store.province_calendar(conn, province_code=province_code)
    data = cal.year(year)
    fallback = data.source == "fallback"
    return {
        "province_code": province_code, "year": year, "source": data.source,
        "version": data.version, "holidays": sorted(data.holidays),
        "workdays": sorted(data.workdays), "fallback": fallback,
        "warning": FALLBACK_WARNING if fallback else None, "seed_package": package_version(),
    }  # fmt: skip
