"""The plan ledger of the caller's area as XLSX (the plans themselves are a household's)."""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from shouwang.assistance.api.deps import RuntimeDep
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
    village_code: str | None = None,
    township_code: str | None = None,
    status: str | None = None,
    category: str | None = None,
) -> StreamingResponse:
    """Every measure of every plan of the households in the caller's area (household filters)."""
    filters = {
        "village_code": village_code,
        "township_code": township_code,
        "status": status,
        "category": category,
    }
    return xlsx_response(
        plans_xlsx(runtime, principal, filters),
        filename=f"帮扶计划台账_{today(runtime).isoformat()}.xlsx",
        fallback="plans.xlsx",
    )
