"""The county's policy as assistance projected it (topic `policy.settings`), read by date."""

from datetime import date, datetime, timedelta

from shouwang.assistance.adapters.policy import store
from shouwang.common.policy.projection import Db
from shouwang.common.policy.resolution import EffectivePolicy
from shouwang.common.policy.settings import EliminationSchedule


async def county_policy(db: Db, *, county_code: str, on: date) -> EffectivePolicy:
    """Every setting in force for the county on a date (county > province > national)."""
    return await store.county_policy(db, county_code=county_code, on=on)


async def elimination_schedule(db: Db, *, county_code: str, on: date) -> EliminationSchedule:
    """When the county's quarterly elimination steps run (`elimination_schedule`) on a date."""
    policy = await county_policy(db, county_code=county_code, on=on)
    return policy.elimination_schedule


async def deadline_days(db: Db, *, county_code: str, name: str, on: date) -> int:
    """A calendar-day deadline of the county (`plan_days`, `notice_days`) in force on a date."""
    policy = await county_policy(db, county_code=county_code, on=on)
    return int(policy.deadline(name).days)


async def identification_due(db: Db, *, county_code: str, start: datetime) -> datetime:
    """When an identification opened at `start` is due: calendar or working days by policy."""
    policy = await county_policy(db, county_code=county_code, on=start.date())
    deadline = policy.deadline("identification")
    if not deadline.working:
        return start + timedelta(days=deadline.days)
    calendar = await store.province_calendar(db, province_code=county_code[:2])
    last = calendar.add_working_days(start.date(), deadline.days)
    return datetime.combine(last, start.timetz())
