"""One county's rules for one period, read once from its policy and its province's calendar."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shouwang.common.clock import SHANGHAI
from shouwang.common.policy.calendar import WorkCalendar
from shouwang.common.policy.resolution import EffectivePolicy
from shouwang.common.policy.settings import Deadline, PushWindow
from shouwang.warning.domain.thresholds import Minimums, by_field, shortfall


@dataclass(frozen=True)
class CountyPolicy:
    """The push window, task deadlines, amber ratio and indicator thresholds in force."""

    policy: EffectivePolicy
    calendar: WorkCalendar
    # NOTE: an indicator's minimums grouped once, not once per item of a 100k batch
    _minimums: dict[str, Minimums] = field(default_factory=dict, compare=False, repr=False)

    @property
    def window(self) -> PushWindow:
        return self.policy.push_window

    @property
    def amber_ratio(self) -> float:
        return float(self.policy.value("amber_ratio"))

    def due(self, now: datetime) -> tuple[datetime, datetime]:
        """The assign-by and report-by moments of a task opened (or re-routed) now."""
        return self._after(now, self.policy.deadline("assign")), self._after(
            now, self.policy.deadline("report")
        )

    def _after(self, now: datetime, deadline: Deadline) -> datetime:
        if not deadline.working:
            return now + timedelta(days=deadline.days)
        # NOTE: working days end at the same time of day, counted on the local calendar
        local = now.astimezone(SHANGHAI)
        day = self.calendar.add_working_days(local.date(), deadline.days)
        return datetime.combine(day, local.time(), tzinfo=SHANGHAI)

    def below_threshold(
        self, indicator: str, values: Mapping[str, Any], *, lifted: bool
    ) -> dict[str, float] | None:
        """The county minimums an item does not reach, or None when it is to be verified."""
        grouped = self._minimums.get(indicator)
        if grouped is None:
            grouped = self._minimums[indicator] = by_field(self.policy.thresholds(indicator))
        return shortfall(grouped, values, lifted=lifted)
