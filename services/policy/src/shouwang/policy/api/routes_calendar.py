"""The working-day calendar per province and year: holidays and 调休 make-up working days."""

from typing import Annotated, Any

from fastapi import APIRouter, Path
from shouwang.common.auth.deps import CurrentPrincipal, require_role
from shouwang.common.failures import Forbidden
from shouwang.common.policy.validation import PolicyInvalid
from shouwang.policy.api.deps import RuntimeDep, invalid
from shouwang.policy.api.schemas import PROVINCE_CODE, CalendarRead, CalendarUpdate
from shouwang.policy.domain.access import may_edit_calendar
from shouwang.policy.domain.commands import EditCalendar
from shouwang.policy.service import queries
from shouwang.policy.service.changes import edit_calendar

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])
ProvinceCode = Annotated[str, Path(pattern=PROVINCE_CODE)]
Year = Annotated[int, Path(ge=2000, le=2100)]


@router.get("/{province_code}/{year}", response_model=CalendarRead)
async def read_calendar(
    province_code: ProvinceCode, year: Year, runtime: RuntimeDep, _: CurrentPrincipal
) -> dict[str, Any]:
    """The year's holidays and make-up days: the province's edit, the seed, or the fallback."""
    return await queries.calendar_year(runtime, province_code=province_code, year=year)


@router.put("/{province_code}/{year}", response_model=CalendarRead)
async def update_calendar(
    province_code: ProvinceCode,
    year: Year,
    body: CalendarUpdate,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Replace the province's year as a whole (a new version)."""
    require_role(principal, "province")
    if not may_edit_calendar(role=principal.role, scope=principal.scope,
                             province_code=province_code):  # fmt: skip
        raise Forbidden("只能修改本省的工作日历", code="forbidden_scope")
    cmd = EditCalendar(province_code=province_code, year=year, holidays=frozenset(body.holidays),
                       workdays=frozenset(body.workdays), reason=body.reason,
                       actor=principal.key)  # fmt: skip
    try:
        await edit_calendar(cmd, uow=runtime.uow(), now=runtime.clock.now())
    except PolicyInvalid as exc:
        raise invalid(exc, prefix="") from None
    return await queries.calendar_year(runtime, province_code=province_code, year=year)
