"""The county policy and province work calendars intake projects from `policy.settings`."""

from datetime import date

from shouwang.common.policy.calendar import WorkCalendar
from shouwang.common.policy.projection import Db, effective_policy, work_calendar
from shouwang.common.policy.resolution import EffectivePolicy
from shouwang.intake.adapters.tables import policy_calendars, policy_versions


async def county_policy(db: Db, *, county_code: str, on: date) -> EffectivePolicy:
    """Every setting in force for the county on a date (county > province > national)."""
    return await effective_policy(db, table=policy_versions, region_code=county_code, on_date=on)


async def province_calendar(db: Db, *, province_code: str) -> WorkCalendar:
    """The province's working days."""
    return await work_calendar(db, table=policy_calendars, province_code=province_code)
