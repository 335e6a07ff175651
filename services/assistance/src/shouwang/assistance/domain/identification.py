"""Identification (纳入): village review → public notice → township review → county decision."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shouwang.assistance.domain.errors import InvalidStep, NoticePeriodNotElapsed, UnknownStep

STEPS = ("village_review", "notice", "township_review", "county_decision")
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

    def notice_ends_on(self, notice_days: int) -> date | None:
        """The first day the township may review: posted_on + notice days."""
        notice = self.steps.get("notice")
        if not notice:
            return None
        return date.fromisoformat(notice["posted_on"]) + timedelta(days=notice_days)

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
            ends = self.notice_ends_on(notice_days)
            if ends is not None and now.date() < ends:
                raise NoticePeriodNotElapsed(
                    f"公示期未满 {notice_days} 天，{ends.isoformat()} 起方可审核"
                )
        self.steps[step] = {**data, "recorded_at": now.isoformat()}
        if step == "notice":
            self.steps[step]["objections"] = list(data.get("objections") or [])
            return "posted"
        result = str(data.get("decision") if step == "county_decision" else data.get("result"))
        if result in ("fail", "reject"):
            self.status, self.decided_at = "rejected", now
        elif step == "county_decision":
            self.status, self.decided_at = "approved", now
        return result

    def _add_objections(self, data: dict[str, Any], now: datetime) -> str:
        notice = self.steps["notice"]
        notice["objections"] = [*notice.get("objections", []), *(data.get("objections") or [])]
        notice["updated_at"] = now.isoformat()
        return "objections_recorded"


def start(identification_id: str, *, now: datetime, days: int) -> Identification:
    """Open an identification with its deadline."""
    return Identification(
        id=identification_id, status="open", started_at=now, due_at=now + timedelta(days=days)
    )
