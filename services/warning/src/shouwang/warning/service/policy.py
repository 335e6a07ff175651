"""The county policy warning projects from `policy.settings`, read once per batch or request."""

from collections.abc import Iterable
from datetime import date

from shouwang.common.policy.projection import Db
from shouwang.common.policy.resolution import EffectivePolicy, layers_of, resolve
from shouwang.warning.adapters.policy import store
from shouwang.warning.domain.policy import CountyPolicy


def period_start(period: str) -> date:
    """The first day of a `YYYY-MM` period: a period is judged by the policy in force then."""
    year, month = (int(p) for p in period.split("-"))
    return date(year, month, 1)


async def period_policy(db: Db, *, county_code: str, period: str) -> EffectivePolicy:
    """The county's settings in force for a period (without the calendar)."""
    return await store.county_policy(db, county_code=county_code, on=period_start(period))


async def county_policy(db: Db, *, county_code: str, period: str) -> CountyPolicy:
    """The county's rules for a period, with its province's working-day calendar."""
    policy = await period_policy(db, county_code=county_code, period=period)
    calendar = await store.province_calendar(db, province_code=county_code[:2])
    return CountyPolicy(policy, calendar)


async def policies_on(db: Db, *, counties: Iterable[str], on: date) -> dict[str, EffectivePolicy]:
    """The effective policy of many counties on one date, from one query."""
    wanted = list(dict.fromkeys(counties))
    codes = {code for county in wanted for _, code in layers_of(county)}
    versions = await store.versions_of(db, region_codes=codes)
    return {county: resolve(versions, region_code=county, on=on) for county in wanted}


async def amber_ratios(db: Db, *, counties: Iterable[str], on: date) -> dict[str, float]:
    """Each county's amber ratio on a date (the share of a deadline used before amber)."""
    policies = await policies_on(db, counties=counties, on=on)
    return {county: float(policy.value("amber_ratio")) for county, policy in policies.items()}
