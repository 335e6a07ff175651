"""A declaration's deadlines: township acceptance in days, the home visit in working days.

Both run from the filing date (Asia/Shanghai) under the county policy in force that day. A
deadline is a date: it passes when that day ends. The colour follows the stage still running,
like a task's: amber once `amber_ratio` of its time is used, red once it has passed.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from shouwang.common import deadlines
from shouwang.common.clock import SHANGHAI
from shouwang.common.deadlines import Colour, last_moment
from shouwang.common.policy.calendar import WorkCalendar

Stage = Literal["accept", "visit"]


@dataclass(frozen=True)
class Promised:
    """The dates a receipt promises."""

    accept_by: date
    visit_by: date


def promised_dates(
    filed_on: date, *, accept_days: int, visit_working_days: int, calendar: WorkCalendar
) -> Promised:
    """Acceptance `accept_days` calendar days, the visit `visit_working_days` working days on."""
    return Promised(
        accept_by=filed_on + timedelta(days=accept_days),
        visit_by=calendar.add_working_days(filed_on, visit_working_days),
    )


def local_date(at: datetime) -> date:
    """The calendar date of an instant in Asia/Shanghai."""
    return at.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class Progress:
    """Where a declaration stands against its deadlines."""

    created_at: datetime
    accept_by: date | None
    visit_by: date | None
    accepted_at: datetime | None
    visited_at: datetime | None

    def running(self) -> tuple[Stage, date] | None:
        """The deadline still running: acceptance, then the visit; None once visited."""
        if self.accept_by is None or self.visit_by is None or self.visited_at is not None:
            return None
        if self.accepted_at is None:
            return "accept", self.accept_by
        return "visit", self.visit_by

    def colour(self, now: datetime, amber_ratio: float) -> Colour | None:
        """Green, amber (≥ amber_ratio of the time used), red (past due), closed once visited.

        None for a declaration filed before deadlines were recorded.
        """
        if self.accept_by is None:
            return None
        running = self.running()
        return deadlines.colour(
            now=now,
            started_at=self.created_at,
            due_at=None if running is None else last_moment(running[1]),
            amber_ratio=amber_ratio,
        )
