"""County endpoints: extensions, held and below-threshold items, compliance, the registry."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from shouwang.common.auth.deps import CurrentPrincipal
from shouwang.common.failures import Forbidden
from shouwang.warning.api.deps import RuntimeDep
from shouwang.warning.api.schemas import PERIOD, BelowThresholdPage, ExtensionCreate, TaskReroute
from shouwang.warning.service import county as county_service
from shouwang.warning.service.below_threshold import list_below_threshold
from shouwang.warning.service.compliance import compliance, compliance_workbook

router = APIRouter(prefix="/api/v1", tags=["county"])


@router.post("/extensions", status_code=201)
async def create_extension(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: ExtensionCreate
) -> dict[str, Any]:
    """Open a late-push extension for a department and period."""
    return await county_service.open_extension(
        runtime, principal, department=body.department, period=body.period, until=body.until
    )


@router.get("/unroutable")
async def list_unroutable_items(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    status: str | None = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Items held because their village is unknown (never dropped), oldest first; paged."""
    items, next_cursor = await county_service.list_unroutable(
        runtime, principal, status=status, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/unroutable/{item_id}/route")
async def route_unroutable_item(
    runtime: RuntimeDep, principal: CurrentPrincipal, item_id: str, body: TaskReroute
) -> dict[str, Any]:
    """Route a held item to the right village by hand."""
    return await county_service.route_unroutable(
        runtime, principal, item_id, village_code=body.village_code
    )


@router.get("/below-threshold", response_model=BelowThresholdPage)
async def list_below_threshold_items(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    period: Annotated[str | None, Query(pattern=PERIOD)] = None,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Items under the county's indicator threshold (filed, no task), oldest first; paged."""
    items, next_cursor = await list_below_threshold(
        runtime, principal, period=period, department=department, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/compliance", response_model=None)
async def get_compliance(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    period: Annotated[str, Query(pattern=PERIOD)],
    county: str | None = None,
    format: Annotated[str, Query(pattern="^(json|xlsx)$")] = "json",
) -> dict[str, Any] | Response:
    """Per department: on_time | late | urgent_only | missing (`?format=xlsx` for the sheet)."""
    county_code = _county_of(principal, county)
    async with runtime.sessionmaker() as session:
        rows = await compliance(session, county_code=county_code, period=period)
    if format == "xlsx":
        return Response(
            compliance_workbook(rows, county_code=county_code, period=period),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": _attachment(county_code, period)},
        )
    return {"county_code": county_code, "period": period, "items": rows}


@router.post("/registry/import")
async def import_registry_csv(
    request: Request, runtime: RuntimeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Load the existing registry (CSV: 身份证号, 状态, 户编号) for comparison."""
    return await county_service.import_registry(runtime, principal, await request.body())


def _attachment(county_code: str, period: str) -> str:
    return f'attachment; filename="compliance-{county_code}-{period}.xlsx"'


def _county_of(principal: Any, county: str | None) -> str:
    if principal.role == "county":
        return str(principal.scope)
    if principal.role in ("province", "auditor") and county and principal.covers(county):
        return county
    if principal.role == "department" and principal.county:
        return str(principal.county)
    raise Forbidden("当前角色无权查看推送情况（省级请指定 county）", code="forbidden_role")
