"""The verification task aggregate: routed → assigned → reported → confirmed | returned."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from shouwang.common import deadlines
from shouwang.common.deadlines import Colour
from shouwang.common.events.catalog.warning import (
    TaskAssigned,
    TaskConfirmed,
    TaskCreated,
    TaskOverdue,
    TaskReported,
    TaskRerouted,
    TaskReturned,
)
from shouwang.warning.domain.errors import BadRequest, InvalidTransition

Status = Literal["routed", "assigned", "reported", "confirmed", "returned"]
OUTCOMES = ("risk_confirmed", "no_risk", "already_monitored", "not_found", "moved")
BACK_TO_COUNTY = ("not_found", "moved")


@dataclass
class Task:
    id: str
    county_code: str
    township_code: str
    village_code: str
    period: str
    person_ref: str
    channel: str
    source_ref: str
    status: Status
    assign_by: datetime
    report_by: datetime
    created_at: datetime
    assigned_village: str | None = None
    cadre_name: str | None = None
    outcome: str | None = None
    reason: str | None = None
    visited_on: date | None = None
    note: str | None = None
    target_township_code: str | None = None
    risk_type: str | None = None
    overdue_stages: list[str] = field(default_factory=list)
    name_masked: str = ""
    id_masked: str = ""
    comparison: str = ""
    events: list[BaseModel] = field(default_factory=list)
    history: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        *,
        id: str,
        county_code: str,
        township_code: str,
        village_code: str,
        period: str,
        person_ref: str,
        channel: str,
        source_ref: str,
        comparison: str,
        masked: tuple[str, str],
        now: datetime,
        due: tuple[datetime, datetime],
    ) -> "Task":
        """Open a routed task (`masked`: name, ID; `due`: assign by, report by)."""
        task = cls(
            id=id, county_code=county_code, township_code=township_code,
            village_code=village_code, period=period, person_ref=person_ref, channel=channel,
            source_ref=source_ref, status="routed", assign_by=due[0], report_by=due[1],
            created_at=now,
            name_masked=masked[0], id_masked=masked[1], comparison=comparison,
        )  # fmt: skip
        created = TaskCreated(
            **task._facts(), name_masked=task.name_masked, id_masked=task.id_masked,
            source_ref=source_ref, comparison=comparison, assign_by=task.assign_by,
            report_by=task.report_by,
        )  # fmt: skip
        task._record(created, "created", source_ref, comparison=comparison)
        return task

    def _facts(self) -> dict[str, Any]:
        return {
            "task_id": self.id,
            "county_code": self.county_code,
            "township_code": self.township_code,
            "village_code": self.village_code,
            "period": self.period,
            "channel": self.channel,
            "person_ref": self.person_ref,
        }

    def _record(self, event: BaseModel, action: str, actor: str, **details: Any) -> None:
        self.events.append(event)
        self.history.append((action, actor, details))

    def assign(self, *, village_code: str, cadre_name: str | None, actor: str) -> None:
        """Township hands the task to one of its villages."""
        if self.status not in ("routed", "assigned"):
            raise InvalidTransition(f"任务状态为 {self.status}，不能分派")
        if not village_code.startswith(self.township_code):
            raise BadRequest("村（社区）不属于本乡镇", field="village_code")
        self.status, self.assigned_village, self.cadre_name = "assigned", village_code, cadre_name
        self._record(
            TaskAssigned(**{**self._facts(), "village_code": village_code}, assigned_by=actor),
            "assigned",
            actor,
            village_code=village_code,
            cadre_name=cadre_name,
        )

    def report(
        self,
        *,
        outcome: str,
        reason: str | None,
        visited_on: date | None,
        note: str | None,
        target_township_code: str | None,
        actor: str,
        risk_type: str | None = None,
    ) -> None:
        """Village (or township) records the verification result."""
        if self.status not in ("routed", "assigned"):
            raise InvalidTransition(f"任务状态为 {self.status}，不能上报核实结果")
        if outcome == "no_risk" and not reason:
            raise BadRequest("无风险须填写原因", field="reason")
        if outcome == "moved" and not (target_township_code or "").isdigit():
            raise BadRequest("迁出须填写迁入乡镇代码", field="target_township_code")
        self.status, self.outcome, self.reason = "reported", outcome, reason
        self.risk_type = risk_type if outcome == "risk_confirmed" else None
        self.visited_on, self.note, self.target_township_code = (
            visited_on,
            note,
            target_township_code,
        )
        self._record(
            TaskReported(
                **self._facts(),
                outcome=outcome,
                reason=reason,
                visited_on=visited_on,
                source_ref=self.source_ref,
                reported_by=actor,
                target_township_code=target_township_code,
                risk_type=self.risk_type,
            ),
            "reported",
            actor,
            outcome=outcome,
            reason=reason,
        )

    def confirm(self, *, actor: str, pii_sealed: str | None) -> None:
        """Township accepts the village's report; not_found/moved go back to the county."""
        if self.status != "reported" or self.outcome is None:
            raise InvalidTransition("只有已上报的任务可以确认")
        if self.outcome in BACK_TO_COUNTY:
            self.status = "returned"
            self._record(
                TaskReturned(
                    **self._facts(),
                    outcome=self.outcome,
                    reason=self.reason,
                ),
                "returned",
                actor,
                outcome=self.outcome,
            )
            return
        self.status = "confirmed"
        self._record(
            TaskConfirmed(
                **self._facts(),
                outcome=self.outcome,
                source_ref=self.source_ref,
                confirmed_by=actor,
                pii_sealed=pii_sealed if self.outcome == "risk_confirmed" else None,
                risk_type=self.risk_type,
            ),
            "confirmed",
            actor,
            outcome=self.outcome,
        )

    def reroute(
        self,
        *,
        township_code: str,
        village_code: str,
        actor: str,
        now: datetime,
        due: tuple[datetime, datetime],
    ) -> None:
        """County sends a returned task to another township (moved) or village (not found)."""
        if self.status != "returned":
            raise InvalidTransition("只有退回县级的任务可以重新分派")
        previous = self.township_code
        self.township_code, self.village_code, self.status = township_code, village_code, "routed"
        self.assigned_village = self.outcome = self.reason = self.target_township_code = None
        self.assign_by, self.report_by = due
        self.created_at, self.overdue_stages = now, []
        self._record(
            TaskRerouted(**self._facts(), from_township_code=previous, rerouted_by=actor),
            "rerouted",
            actor,
            from_township_code=previous,
            township_code=township_code,
        )

    def due(self) -> tuple[str, datetime] | None:
        """The deadline currently running: assignment, then report."""
        if self.status == "routed":
            return "assign", self.assign_by
        if self.status == "assigned":
            return "report", self.report_by
        return None

    def colour(self, now: datetime, amber_ratio: float) -> Colour:
        """Green, amber (≥ amber_ratio of the time used) or red (past due)."""
        running = self.due()
        due_at = None if running is None else running[1]
        return deadlines.colour(
            now=now, started_at=self.created_at, due_at=due_at, amber_ratio=amber_ratio
        )

    def mark_overdue(self, now: datetime) -> bool:
        """Record an overdue escalation once per stage; True if one was raised."""
        running = self.due()
        if (
            running is None
            or not deadlines.has_passed(running[1], now)
            or running[0] in self.overdue_stages
        ):
            return False
        stage, due_at = running
        self.overdue_stages.append(stage)
        self._record(
            TaskOverdue(
                **self._facts(),
                stage=stage,
                due_at=due_at,
                escalated_to=f"county:{self.county_code}",
            ),
            "overdue",
            "system",
            stage=stage,
        )
        return True
