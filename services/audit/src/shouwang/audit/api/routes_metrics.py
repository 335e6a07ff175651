"""Supervision metrics of a county (pre-aggregated) and its overdue tasks."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from shouwang.audit.adapters.policy import county_policy
from shouwang.audit.api.deps import Reader, RuntimeDep, county_for
from shouwang.audit.runtime import AuditRuntime
from shouwang.audit.service import metrics
from shouwang.audit.service import supervision as household_metrics
from shouwang.common.clock import SHANGHAI
from shouwang.common.geography import Geography
from sqlalchemy.ext.asyncio import AsyncConnection

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/supervision")
async def supervision(
    principal: Reader,
    runtime: RuntimeDep,
    county: str | None = None,
    period: Annotated[str | None, Query(pattern=PERIOD)] = None,
) -> dict[str, Any]:
    """KPIs, compliance, township ranking, trend, deadline colours, household metrics."""
    county = county_for(principal, county)
    period = period or runtime.clock.now().astimezone(SHANGHAI).strftime("%Y-%m")
    geography: Geography = runtime.geography
    async with runtime.engine.connect() as conn:
        totals = await metrics.county_totals(conn, county, period)
        table = await metrics.compliance_table(conn, county, period)
        households = await _household_metrics(runtime, conn, county, period)
        kpis = {
            **totals,
            **await metrics.verify_percentiles(conn, county, period),
            "compliance_rate": _compliance_rate(table),
            **_household_kpis(households),
        }
        return {
            "county_code": county,
            "county_name": geography.name(county) or county,
            "period": period,
            "kpis": kpis,
            "compliance": table,
            "townships": await metrics.township_table(conn, county, period, geography),
            "trend": await metrics.trend(conn, county, period),
            **households,
        }


async def _household_metrics(
    runtime: AuditRuntime, conn: AsyncConnection, county: str, period: str
) -> dict[str, Any]:
    geography: Geography = runtime.geography
    now = runtime.clock.now()
    policy = await county_policy(conn, county_code=county, on=now.astimezone(SHANGHAI).date())
    return {
        "deadline_colours": await household_metrics.deadline_colours(
            conn, county, now, float(policy.value("amber_ratio")), geography
        ),
        "timeliness": await household_metrics.timeliness_rates(conn, county, [period]),
        "monitoring": await household_metrics.monitoring_objects(conn, county, geography),
        "rectification": await household_metrics.rectification_rates(conn, county, geography),
    }


def _household_kpis(households: dict[str, Any]) -> dict[str, Any]:
    timely = households["timeliness"]
    return {
        "red": households["deadline_colours"]["total"]["red"],
        "amber": households["deadline_colours"]["total"]["amber"],
        "identification_on_time_rate": timely["identification"]["rate"],
        "plan_on_time_rate": timely["plan"]["rate"],
        "monitoring_objects": households["monitoring"]["total"],
        "rectification_rate": households["rectification"]["total"]["rate"],
    }


def _compliance_rate(table: list[dict[str, Any]]) -> float:
    catalogue = [r for r in table if r["department"] in metrics.DEPARTMENTS]
    on_time = sum(1 for r in catalogue if r["status"] == "on_time")
    return round(on_time / len(catalogue), 4) if catalogue else 0.0


@router.get("/overdue")
async def overdue(
    principal: Reader,
    runtime: RuntimeDep,
    county: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Open tasks past their assign/report deadline (drill down via audit events by subject)."""
    county = county_for(principal, county)
    async with runtime.engine.connect() as conn:
        items = await metrics.overdue_tasks(conn, county, runtime.geography, limit)
    return {"items": items}
