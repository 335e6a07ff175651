"""The what-if of a proposed change: who and what it would change, per township (JSON or XLSX)."""

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.responses import Response
from shouwang.common.auth.deps import CurrentPrincipal, require_role
from shouwang.common.clock import SHANGHAI
from shouwang.common.failures import Forbidden
from shouwang.common.policy.validation import PolicyInvalid
from shouwang.policy.api.deps import RuntimeDep, invalid
from shouwang.policy.api.schemas import LAYER_CODE, WhatIfQuery, WhatIfRead
from shouwang.policy.domain.access import may_change_policy
from shouwang.policy.domain.commands import AskWhatIf
from shouwang.policy.service.what_if import what_if
from shouwang.policy.service.what_if_sheet import XLSX_TYPE, what_if_xlsx

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])
LayerCode = Annotated[str, Path(pattern=LAYER_CODE)]


@router.post("/{region_code}/what-if", response_model=WhatIfRead)
async def policy_what_if(
    region_code: LayerCode,
    body: WhatIfQuery,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    format: Literal["json", "xlsx"] = "json",
) -> Any:
    """Judge a proposed change of the caller's layer on the recorded facts; nothing changes."""
    require_role(principal, "province", "county")
    if not may_change_policy(role=principal.role, scope=principal.scope, region_code=region_code):
        raise Forbidden("只能试算本级（省或县）自己的政策参数", code="forbidden_scope")
    day: date = body.on or runtime.clock.now().astimezone(SHANGHAI).date()
    cmd = AskWhatIf(region_code=region_code, settings=body.settings, on=day)
    try:
        answer = await what_if(cmd, runtime=runtime)
    except PolicyInvalid as exc:
        raise invalid(exc, prefix="settings.") from None
    if format == "json":
        return answer
    name = quote(f"政策试算_{region_code}_{day.isoformat()}.xlsx")
    disposition = f"attachment; filename=what-if.xlsx; filename*=UTF-8''{name}"
    return Response(
        what_if_xlsx(answer), media_type=XLSX_TYPE, headers={"Content-Disposition": disposition}
    )
