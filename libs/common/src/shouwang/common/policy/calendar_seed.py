"""The national calendar seed: the `chinese-calendar` package's holidays and make-up days."""

import functools

import chinese_calendar
from chinese_calendar import constants
from shouwang.common.policy.calendar import WorkCalendar, YearCalendar


@functools.cache
def seeded_years() -> tuple[int, ...]:
    """The years the installed package knows (its holiday table is published year by year)."""
    return tuple(sorted({day.year for day in constants.holidays}))


@functools.cache
def national_year(year: int) -> YearCalendar | None:
    """The package's data of one year, or None if it has none."""
    if year not in seeded_years():
        return None
    return YearCalendar(
        year=year,
        holidays=frozenset(d for d in constants.holidays if d.year == year),
        workdays=frozenset(d for d in constants.workdays if d.year == year),
        source="national",
    )


def national_calendar(
    overrides: dict[int, YearCalendar] | None = None,
) -> WorkCalendar:
    """Every seeded year, with a province's edited years (`overrides`) taking their place."""
    years = {y: data for y in seeded_years() if (data := national_year(y)) is not None}
    return WorkCalendar(years={**years, **(overrides or {})})


def package_version() -> str:
    """The seed's version, reported with the calendar so a stale package shows."""
    return str(getattr(chinese_calendar, "__version__", "unknown"))
