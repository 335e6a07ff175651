"""The policy settings: their names, how a partial settings dict splits into resolvable units."""

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Source = Literal["national", "province", "county"]
MONTH_END = "month_end"

SETTING_NAMES: tuple[str, ...] = (
    "monitoring_line_yuan",
    "lifted_average_yuan",
    "push_window",
    "deadlines",
    "amber_ratio",
    "indicator_thresholds",
    "annualisation",
    "expense_surge_ratio",
    "elimination_schedule",
)
DEADLINE_NAMES: tuple[str, ...] = (
    "declaration_accept_days",
    "declaration_visit_working_days",
    "assign_days",
    "assign_working_days",
    "report_days",
    "report_working_days",
    "identification_days",
    "identification_working_days",
    "plan_days",
    "notice_days",
)
# identification is counted in calendar days or (some provinces) in working days: one unit
IDENTIFICATION = "identification"
IDENTIFICATION_VARIANTS = ("identification_days", "identification_working_days")
# deadlines a region may count in calendar days or in working days: one unit each, either name
VARIANT_DEADLINES: dict[str, tuple[str, str]] = {
    IDENTIFICATION: IDENTIFICATION_VARIANTS,
    "assign": ("assign_days", "assign_working_days"),
    "report": ("report_days", "report_working_days"),
}

# A unit is what resolves on its own: a whole setting, one deadline, one indicator's thresholds.
Unit = tuple[str, ...]


@dataclass(frozen=True)
class PushWindow:
    """The days of each month departments may push: open_day 00:00 to close day 23:59:59.999."""

    open_day: int
    close_day: int | None  # None: the last day of the month

    def closes_on(self, year: int, month: int) -> date:
        """The closing day of the window in a month (month_end: the 28th–31st)."""
        last = calendar.monthrange(year, month)[1]
        return date(year, month, last if self.close_day is None else self.close_day)

    def opens_on(self, year: int, month: int) -> date:
        """The opening day of the window in a month."""
        return date(year, month, self.open_day)


@dataclass(frozen=True)
class Deadline:
    """A deadline in days, calendar or working days."""

    days: int
    working: bool


@dataclass(frozen=True)
class Annualisation:
    """Which months make up the income year: the calendar year or a span crossing it."""

    from_month: int = 1
    to_month: int = 12

    def months(self) -> tuple[int, ...]:
        """The months of the span in order (wrapping over the year end)."""
        count = (self.to_month - self.from_month) % 12 + 1
        return tuple((self.from_month - 1 + i) % 12 + 1 for i in range(count))


@dataclass(frozen=True)
class EliminationSchedule:
    """When quarterly risk elimination runs (seed 001): the months, pre-judgement from day to day,
    the village review from a day to the month's end (a day past the month's end: its last day)."""

    months: tuple[int, ...]
    prejudge_from_day: int
    prejudge_to_day: int
    review_from_day: int

    @staticmethod
    def day_in(year: int, month: int, day: int) -> date:
        """The day of a month, or the month's last day when it has fewer days."""
        return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def push_window(value: Mapping[str, Any]) -> PushWindow:
    """Read a normalised push_window setting."""
    close = value.get("close_day")
    return PushWindow(open_day=int(value.get("open_day", 1)), close_day=close)


def annualisation(value: Any) -> Annualisation:
    """Read a normalised annualisation setting."""
    if value == "calendar_year":
        return Annualisation()
    return Annualisation(int(value["from_month"]), int(value["to_month"]))


def elimination_schedule(value: Mapping[str, Any]) -> EliminationSchedule:
    """Read a normalised elimination_schedule setting."""
    return EliminationSchedule(
        months=tuple(int(m) for m in value["months"]),
        prejudge_from_day=int(value["prejudge_from_day"]),
        prejudge_to_day=int(value["prejudge_to_day"]),
        review_from_day=int(value["review_from_day"]),
    )


def units(settings: Mapping[str, Any]) -> dict[Unit, Any]:
    """Split a (partial, normalised) settings dict into its independently resolved units."""
    result: dict[Unit, Any] = {}
    for name, value in settings.items():
        if name == "deadlines":
            result.update(_deadline_units(value))
        elif name == "indicator_thresholds":
            result.update({(name, ind): dict(v) for ind, v in value.items()})
        else:
            result[(name,)] = value
    return result


def variant_group(name: str) -> str | None:
    """The unit a days/working-days deadline name belongs to (`assign_days` -> `assign`)."""
    if name in VARIANT_DEADLINES:
        return name
    return next((g for g, names in VARIANT_DEADLINES.items() if name in names), None)


def _deadline_units(deadlines: Mapping[str, int]) -> dict[Unit, Any]:
    result: dict[Unit, Any] = {}
    for name, days in deadlines.items():
        if group := variant_group(name):
            result[("deadlines", group)] = {name: days}
        else:
            result[("deadlines", name)] = days
    return result
