"""The monthly push window (seed 004: the 5th to the 15th, Asia/Shanghai) and timeliness.

The window is the county's `push_window` policy: an open day and a close day, or the month's
last day (`{"close": "month_end"}`: the 28th–31st).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from shouwang.common.clock import SHANGHAI
from shouwang.common.policy.settings import PushWindow

Timeliness = Literal["on_time", "urgent", "extended"]


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime  # exclusive: the first instant after the window

    def contains(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at


class WindowClosed(Exception):
    def __init__(self, next_opens_at: datetime) -> None:
        super().__init__("push window closed")
        self.next_opens_at = next_opens_at


def window_of(period: str, window: PushWindow) -> Window:
    """Return the push window of a `YYYY-MM` period."""
    year, month = (int(p) for p in period.split("-"))
    opens = datetime.combine(window.opens_on(year, month), datetime.min.time(), SHANGHAI)
    closes = datetime.combine(window.closes_on(year, month), datetime.min.time(), SHANGHAI)
    return Window(opens, closes + timedelta(days=1))


def next_opening(at: datetime, window: PushWindow) -> datetime:
    """Return the start of the next window that has not yet closed after `at`."""
    local = at.astimezone(SHANGHAI)
    candidate = window_of(period_of(local.year, local.month), window)
    if local < candidate.opens_at:
        return candidate.opens_at
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return window_of(period_of(year, month), window).opens_at


def classify_push(
    *,
    at: datetime,
    period: str,
    urgent: bool,
    extension_until: datetime | None,
    window: PushWindow,
) -> Timeliness:
    """Decide a push's timeliness or raise WindowClosed with the next opening."""
    if window_of(period, window).contains(at):
        return "on_time"
    if urgent:
        return "urgent"
    if extension_until is not None and at <= extension_until:
        return "extended"
    raise WindowClosed(next_opening(at, window))


def describe(window: PushWindow) -> str:
    """The window as a clerk reads it: 每月5日至15日, 每月1日至月末."""
    close = "月末" if window.close_day is None else f"{window.close_day}日"
    return f"每月{window.open_day}日至{close}"


def period_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def current_period(at: datetime) -> str:
    local = at.astimezone(SHANGHAI)
    return period_of(local.year, local.month)
