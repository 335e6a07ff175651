"""The department push window shown to clerks (5th–15th, Asia/Shanghai, by default)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from shouwang.common.clock import SHANGHAI


@dataclass(frozen=True)
class WindowView:
    period: str
    opens_at: datetime
    closes_at: datetime  # exclusive: the first instant after the window
    now: datetime
    is_open: bool
    next_change: datetime  # the close while open, else the next opening

    @property
    def last_day(self) -> datetime:
        return self.closes_at - timedelta(days=1)

    @property
    def remaining(self) -> str:
        """The time to the next change in Chinese (days, hours, minutes)."""
        seconds = max(0, int((self.next_change - self.now).total_seconds()))
        days, rest = divmod(seconds, 86400)
        return f"{days}天{rest // 3600}小时{rest % 3600 // 60}分"


def _month(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=SHANGHAI)


def window_view(now: datetime, *, open_day: int, close_day: int) -> WindowView:
    """This month's window and what comes next."""
    local = now.astimezone(SHANGHAI)
    opens = _month(local.year, local.month, open_day)
    closes = _month(local.year, local.month, close_day) + timedelta(days=1)
    is_open = opens <= local < closes
    if is_open or local < opens:
        change = closes if is_open else opens
    else:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        change = _month(year, month, open_day)
    return WindowView(f"{local.year:04d}-{local.month:02d}", opens, closes, local, is_open, change)


def last_periods(now: datetime, count: int = 12) -> list[str]:
    """The current period and the ones before it, newest first."""
    local = now.astimezone(SHANGHAI)
    index = local.year * 12 + local.month - 1
    return [f"{(i // 12):04d}-{(i % 12) + 1:02d}" for i in range(index, index - count, -1)]
