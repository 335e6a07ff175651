"""Identification (纳入): village review → public notice → township review → county decision."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shouwang.assistance.domain.errors import (
    InvalidStep,
    NoticePeriodNotElapsed,
    StepDateInvalid,
    UnknownStep,
)

STEPS = ("village_review", "notice", "township_review", "county_decision")
# the client's date of each step (the county decision is dated by the server)
DATE_FIELDS = {"village_review": "date", "notice": "posted_on", "township_review": "date"}
STEP_ROLES = {
    "village_review": ("village", "township"),
    "notice": ("village", "township"),
    "township_review": ("township",),
    "county_decision": ("county",),
}


@dataclass
class Identification:
    id: str
    status: str  # open, approved, rejected
    started_at: datetime
    due_at: datetime
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    decided_at: datetime | None = None

    def next_step(self) -> str | None:
        """The step expected next (None once decided)."""
        if self.status != "open":
            return None
        return next((s for s in STEPS if s not in self.steps), None)

    def overdue(self, now: datetime) -> bool:
        """Past the deadline without a decision, or decided after it."""
        return (self.decided_at or now) > self.due_at

    def notice_posted_on(self) -> date | None:
        """The day the server recorded the notice as posted (never a client's date)."""
        notice = self.steps.get("notice")
        return date.fromisoformat(notice["posted_on"]) if notice else None

    def notice_ends_on(self, notice_days: int) -> date | None:
        """The first day the township may review: the server's posting day + notice days."""
        posted = self.notice_posted_on()
        return posted + timedelta(days=notice_days) if posted else None

    def _last_date(self) -> date:
        """The latest date on record: the opening day, then each step's date."""
        dates = [self.started_at.date()]
        for step, name in DATE_FIELDS.items():
            if step in self.steps:
                dates.append(date.fromisoformat(self.steps[step][name]))
        return max(dates)

    def _check_date(self, step: str, data: dict[str, Any], today: date) -> None:
        """A step's date is not in the future and not before the steps already recorded."""
        name = DATE_FIELDS.get(step)
        if name is None:
            return
        day, last = date.fromisoformat(str(data[name])), self._last_date()
        if day > today:
            raise StepDateInvalid(f"日期 {day.isoformat()} 晚于今天，不能预填", field=name)
        if day < last:
            raise StepDateInvalid(
                f"日期 {day.isoformat()} 早于前一环节的日期 {last.isoformat()}", field=name
            )

    def record(self, step: str, data: dict[str, Any], *, now: datetime, notice_days: int) -> str:
        """Apply a step; returns the step's result ("pass", "fail", "posted", "approve", …)."""
        if step not in STEPS:
            raise UnknownStep()
        if (
            step == "notice"
            and self.status == "open"
            and "notice" in self.steps
            and "township_review" not in self.steps
        ):
            return self._add_objections(data, now)
        if self.next_step() != step:
            raise InvalidStep(
                f"当前应进行的步骤为：{self.next_step() or '无（已办结）'}", field="step"
            )
        if step == "township_review":
            self._check_notice_over(now.date(), notice_days)
        self._check_date(step, data, now.date())
        self.steps[step] = {**data, "recorded_at": now.isoformat()}
        if step == "notice":
            # NOTE: the 公示 counts from the server's day; the client's date is kept as stated
            self.steps[step].update(
                stated_posted_on=data["posted_on"], posted_on=now.date().isoformat(),
                objections=list(data.get("objections") or []),
            )  # fmt: skip
            return "posted"
        if step == "county_decision":
            self.steps[step]["date"] = now.date().isoformat()
        result = str(data.get("decision") if step == "county_decision" else data.get("result"))
        if result in ("fail", "reject"):
            self.status, self.decided_at = "rejected", now
        elif step == "county_decision":
            self.status, self.decided_at = "approved", now
        return result

    def _check_notice_over(self, today: date, notice_days: int) -> None:
        ends = self.notice_ends_on(notice_days)
        if ends is not None and today < ends:
            raise NoticePeriodNotElapsed(
                f"公示期未满 {notice_days} 天，{ends.isoformat()} 起方可审核",
                details={"notice_ends_on": ends.isoformat()},
            )

    def _add_objections(self, data: dict[str, Any], now: datetime) -> str:
        notice = self.steps["notice"]
        notice["objections"] = [*notice.get("objections", []), *(data.get("objections") or [])]
        notice["updated_at"] = now.isoformat()
        return "objections_recorded"


def start(identification_id: str, *, now: datetime, due_at: datetime) -> Identification:
    """Open an identification with its deadline."""
    return Identification(id=identification_id, status="open", started_at=now, due_at=due_at)
