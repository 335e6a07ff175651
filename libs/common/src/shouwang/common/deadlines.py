"""Deadlines as every service keeps them: when one has passed, and the colour a list shows.

A deadline is an instant; one given as a date passes when that day ends in Asia/Shanghai. The
colour follows the deadline still running: green, amber once `amber_ratio` of its time is used,
red once it has passed. The SQL twin of `colour` is `common.db.deadlines.colour_case`; raising an
overdue event once per stage is `common.db.deadlines`' job too.
"""

from datetime import date, datetime, time, timedelta
from typing import Literal

from shouwang.common.clock import SHANGHAI

Colour = Literal["green", "amber", "red", "closed"]
_LAST_MOMENT = timedelta(microseconds=1)  # the resolution of datetime and of Postgres timestamps


def day_end(day: date) -> datetime:
    """The instant a day-granular deadline passes: the next day's 00:00 in Asia/Shanghai."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def last_moment(day: date) -> datetime:
    """A day as a deadline instant: its last microsecond, so it has passed once the day ended."""
    return day_end(day) - _LAST_MOMENT


def has_passed(due_at: datetime, now: datetime) -> bool:
    """True once `now` is past the deadline (at the deadline itself it is still met)."""
    return now > due_at


def colour(
    *, now: datetime, started_at: datetime, due_at: datetime | None, amber_ratio: float
) -> Colour:
    """Green, amber (≥ amber_ratio of the time used), red (passed), closed (nothing running)."""
    if due_at is None:
        return "closed"
    if has_passed(due_at, now):
        return "red"
    total = (due_at - started_at).total_seconds() or 1.0
    used = (now - started_at).total_seconds() / total
    return "amber" if used >= amber_ratio else "green"
