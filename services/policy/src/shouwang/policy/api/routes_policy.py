"""The policy store: effective values per region and date, new versions, history."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from shouwang.common.auth.deps import CurrentPrincipal, require_role
from shouwang.common.clock import SHANGHAI
from shouwang.common.failures import Forbidden
from shouwang.common.policy.validation import PolicyInvalid
from shouwang.policy.api.deps import RuntimeDep, invalid
from shouwang.policy.api.schemas import (
    LAYER_CODE,
    REGION_CODE,
    PolicyRead,
    PolicyUpdate,
    PolicyVersionPage,
    PolicyVersionRead,
)
from shouwang.policy.domain.access import may_change_policy
from shouwang.policy.domain.commands import ChangePolicy
from shouwang.policy.service import queries
from shouwang.policy.service.changes import change_policy

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])
RegionCode = Annotated[str, Path(pattern=REGION_CODE)]
LayerCode = Annotated[str, Path(pattern=LAYER_CODE)]


@router.get("/{region_code}", response_model=PolicyRead)
async def read_policy(
    region_code: RegionCode, runtime: RuntimeDep, _: CurrentPrincipal, on: date | None = None
) -> dict[str, Any]:
    """Every setting's effective value for the region on a date (default: today)."""
    day = on or runtime.clock.now().astimezone(SHANGHAI).date()
    policy = await queries.effective(runtime, region_code=region_code, on=day)
    return {"region_code": region_code, "on": day, "settings": policy.as_json()}


@router.put("/{region_code}", response_model=PolicyVersionRead)
async def update_policy(
    region_code: LayerCode, body: PolicyUpdate, runtime: RuntimeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record a new version of the region's layer (province: 2 digits, county: 6 digits)."""
    require_role(principal, "province", "county")
    if not may_change_policy(role=principal.role, scope=principal.scope, region_code=region_code):
        raise Forbidden("只能修改本级（省或县）自己的政策参数", code="forbidden_scope")
    cmd = ChangePolicy(region_code=region_code, effective_from=body.effective_from,
                       reason=body.reason, settings=body.settings, actor=principal.key)  # fmt: skip
    try:
        event = await change_policy(cmd, uow=runtime.uow(), now=runtime.clock.now())
    except PolicyInvalid as exc:
        raise invalid(exc, prefix="settings.") from None
    return event.model_dump()


@router.get("/{region_code}/history", response_model=PolicyVersionPage)
async def policy_history(
    region_code: LayerCode,
    runtime: RuntimeDep,
    _: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
) -> dict[str, Any]:
    """The region's own versions, newest first."""
    before = int(cursor) if cursor else None
    return await queries.history(runtime, region_code=region_code, limit=limit, before=before)
