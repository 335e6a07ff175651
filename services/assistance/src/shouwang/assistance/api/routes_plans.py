"""The plan ledger of the caller's area as XLSX (the plans themselves are a household's)."""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from shouwang.assistance.api.deps import HouseholdFilters, RuntimeDep
from shouwang.assistance.service.plan_export import plans_xlsx
from shouwang.assistance.service.timekeeping import today
from shouwang.common.auth.deps import CurrentPrincipal
from shouwang.common.http.download import XLSX_TYPE, xlsx_response

router = APIRouter(prefix="/api/v1", tags=["plans"])


@router.get(
    "/plans.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "帮扶计划台账（每项措施一行）"}},
)
async def plans_ledger(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    filters: HouseholdFilters,
) -> StreamingResponse:
    """Every measure of every plan of the households in the caller's area (household filters)."""
    return xlsx_response(
        plans_xlsx(runtime, principal, filters),
        filename=f"帮扶计划台账_{today(runtime).isoformat()}.xlsx",
        fallback="plans.xlsx",
    )
