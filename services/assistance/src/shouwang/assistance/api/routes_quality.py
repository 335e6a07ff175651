"""The county's data-quality list (flags, not blocks), JSON or XLSX."""

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response
from shouwang.assistance.api.deps import RuntimeDep
from shouwang.assistance.service.data_quality_list import list_flags, quality_xlsx
from shouwang.common.auth.deps import CurrentPrincipal

router = APIRouter(prefix="/api/v1/data-quality", tags=["data-quality"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_model=None)
async def data_quality_list(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    flag: str | None = None,
    format: Literal["json", "xlsx"] = "json",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any] | Response:
    """Households the data-quality sweep flagged (`?format=xlsx`: the whole list as a sheet)."""
    xlsx = format == "xlsx"
    code, items = await list_flags(
        runtime, principal, county=county, township=township_code, flag=flag,
        limit=None if xlsx else limit, offset=0 if xlsx else offset,
    )  # fmt: skip
    if not xlsx:
        return {"county": code, "items": items, "limit": limit, "offset": offset}
    name = f"数据质量问题_{code}.xlsx"
    disposition = f"attachment; filename=data-quality.xlsx; filename*=UTF-8''{quote(name)}"
    return Response(
        quality_xlsx(items, runtime.geography),
        media_type=XLSX,
        headers={"Content-Disposition": disposition},
    )
