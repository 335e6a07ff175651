"""The county policy and province work calendars warning projects from `policy.settings`."""

from collections.abc import Iterable
from datetime import date

from shouwang.common.policy.calendar import WorkCalendar
from shouwang.common.policy.projection import Db, effective_policy, work_calendar
from shouwang.common.policy.resolution import EffectivePolicy, PolicyVersion
from shouwang.warning.adapters.tables import policy_calendars, policy_versions
from sqlalchemy import RowMapping, select


async def county_policy(db: Db, *, county_code: str, on: date) -> EffectivePolicy:
    """Every setting in force for the county on a date (county > province > national)."""
    return await effective_policy(db, table=policy_versions, region_code=county_code, on_date=on)


async def province_calendar(db: Db, *, province_code: str) -> WorkCalendar:
    """The province's working days."""
    return await work_calendar(db, table=policy_calendars, province_code=province_code)


async def versions_of(db: Db, *, region_codes: Iterable[str]) -> list[PolicyVersion]:
    """Every policy version of these regions (one query)."""
    stmt = select(policy_versions).where(policy_versions.c.region_code.in_(set(region_codes)))
    return [_version(row) for row in (await db.execute(stmt)).mappings()]


def _version(row: RowMapping) -> PolicyVersion:
    return PolicyVersion(
        region_code=row["region_code"], version=row["version"],
        effective_from=row["effective_from"], settings=row["settings"],
    )  # fmt: skip
