"""The working-day calendar: statutory holidays and 调休 make-up working days, year by year.

A year with data: a day works if it is a make-up working day, or a weekday that is no holiday.
A year without data falls back to Monday–Friday, and `fallback_years` says it did, so a dashboard
can warn until someone fills the year in.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from shouwang.common.policy.validation import PolicyInvalid, Problem

CalendarSource = Literal["national", "province", "fallback"]
SATURDAY = 5


@dataclass(frozen=True)
class YearCalendar:
    """One year's exceptions to Monday–Friday."""

    year: int
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # 调休: weekend days worked
    source: CalendarSource = "national"
    version: int = 0


def weekdays_only(year: int) -> YearCalendar:
    """The Monday–Friday fallback of a year nobody filled in."""
    return YearCalendar(year=year, source="fallback")


def validate_year(year: int, holidays: Iterable[date], workdays: Iterable[date]) -> None:
    """Check one year's lists (dates in the year, make-up days on weekends, no day in both)."""
    holidays, workdays = set(holidays), set(workdays)
    problems = [
        Problem(name, "outside_year", f"{name}：{day.isoformat()} 不在 {year} 年内")
        for name, days in (("holidays", holidays), ("workdays", workdays))
        for day in sorted(days)
        if day.year != year
    ]
    problems += [
        Problem("workdays", "not_a_weekend", f"workdays：{day.isoformat()} 不是周末，无需调休上班")
        for day in sorted(workdays)
        if day.weekday() < SATURDAY
    ]
    problems += [
        Problem("workdays", "both_lists", f"workdays：{day.isoformat()} 同时列为节假日")
        for day in sorted(holidays & workdays)
    ]
    if problems:
        raise PolicyInvalid(problems)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days over the years it knows; other years are Monday–Friday."""

    years: Mapping[int, YearCalendar] = field(default_factory=dict)

    def year(self, year: int) -> YearCalendar:
        """The data of a year, or its Monday–Friday fallback."""
        return self.years.get(year) or weekdays_only(year)

    def is_working_day(self, day: date) -> bool:
        """True if people work that day."""
        data = self.year(day.year)
        if day in data.workdays:
            return True
        return day.weekday() < SATURDAY and day not in data.holidays

    def add_working_days(self, day: date, n: int) -> date:
        """The date n working days after `day` (n <= 0: `day` itself)."""
        current, left = day, n
        while left > 0:
            current += timedelta(days=1)
            left -= self.is_working_day(current)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def fallback_years(self, start: date, end: date) -> list[int]:
        """The years between two dates that had no data and were counted Monday–Friday."""
        first, last = sorted((start.year, end.year))
        return [y for y in range(first, last + 1) if self.year(y).source == "fallback"]
