"""The monthly push window (seed 004: the 5th to the 15th, Asia/Shanghai) and timeliness."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from shouwang.common.clock import SHANGHAI

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


def window_of(period: str, *, open_day: int, close_day: int) -> Window:
    """Return the push window of a `YYYY-MM` period."""
    year, month = (int(p) for p in period.split("-"))
    opens = datetime(year, month, open_day, tzinfo=SHANGHAI)
    closes = datetime(year, month, close_day, tzinfo=SHANGHAI) + timedelta(days=1)
    return Window(opens, closes)


def next_opening(at: datetime, *, open_day: int, close_day: int) -> datetime:
    """Return the start of the next window that has not yet closed after `at`."""
    local = at.astimezone(SHANGHAI)
    candidate = window_of(
        f"{local.year:04d}-{local.month:02d}", open_day=open_day, close_day=close_day
    )
    if local < candidate.opens_at:
        return candidate.opens_at
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, open_day, tzinfo=SHANGHAI)


def classify_push(
    *,
    at: datetime,
    period: str,
    urgent: bool,
    extension_until: datetime | None,
    open_day: int,
    close_day: int,
) -> Timeliness:
    """Decide a push's timeliness or raise WindowClosed with the next opening."""
    if window_of(period, open_day=open_day, close_day=close_day).contains(at):
        return "on_time"
    if urgent:
        return "urgent"
    if extension_until is not None and at <= extension_until:
        return "extended"
    raise WindowClosed(next_opening(at, open_day=open_day, close_day=close_day))


def current_period(at: datetime) -> str:
    local = at.astimezone(SHANGHAI)
    return f"{local.year:04d}-{local.month:02d}"
