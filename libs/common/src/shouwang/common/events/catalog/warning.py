"""Events of the warning loop (行业预警、基层排查)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from shouwang.common.events.registry import event_type
from shouwang.common.events.topics import (
    VERIFICATION_TASKS,
    WARNING_BATCHES,
    WARNING_INDICATORS,
)

Channel = Literal[
    "department_warning",
    "self_declaration",
    "cadre_screening",
    "department_screening",
    "petition",
    "hotline",
]
Outcome = Literal["risk_confirmed", "no_risk", "already_monitored", "not_found", "moved"]


@event_type("shouwang.warning.batch.filed.v1", topic=WARNING_BATCHES)
class BatchFiled(BaseModel):
    batch_id: str
    county_code: str
    department: str
    period: str
    timeliness: Literal["on_time", "urgent", "extended"]
    received: int
    accepted: int
    rejected: int
    sha256: str


@event_type("shouwang.warning.batch.processed.v1", topic=WARNING_BATCHES)
class BatchProcessed(BaseModel):
    batch_id: str
    county_code: str
    department: str
    period: str
    tasks_created: int
    signals_attached: int
    unroutable: int
    comparison: dict[str, int]


@event_type("shouwang.warning.push.missing.v1", topic=WARNING_BATCHES)
class PushMissing(BaseModel):
    county_code: str
    department: str
    period: str


class IndicatorFact(BaseModel):
    """A processed item's numeric values a threshold applies to: where, never whom it is about."""

    item_id: str  # `<batch_id>:<index in the batch>`
    township_code: str
    village_code: str
    indicator: str
    values: dict[str, float]  # the indicator's numeric value fields only
    # the threshold qualifiers that applied (`outpatient_monthly`, `lifted`/`rural`), the most
    # specific first; a minimum without a qualifier applies after them
    qualifiers: list[str]


@event_type("shouwang.warning.items.indicators.v1", topic=WARNING_INDICATORS)
class ItemIndicators(BaseModel):
    """A chunk (at most 500) of a processed batch's items whose indicator has a threshold."""

    batch_id: str
    county_code: str
    department: str
    period: str
    items: list[IndicatorFact]


class TaskFacts(BaseModel):
    """What every task event carries: where the task lives and whom it is about (masked)."""

    task_id: str
    county_code: str
    township_code: str
    village_code: str
    period: str
    channel: Channel
    person_ref: str


@event_type("shouwang.warning.task.created.v1", topic=VERIFICATION_TASKS)
class TaskCreated(TaskFacts):
    name_masked: str
    id_masked: str
    source_ref: str
    comparison: str
    assign_by: datetime
    report_by: datetime


@event_type("shouwang.warning.task.signal_attached.v1", topic=VERIFICATION_TASKS)
class TaskSignalAttached(TaskFacts):
    department: str
    indicator: str
    source_ref: str


@event_type("shouwang.warning.task.assigned.v1", topic=VERIFICATION_TASKS)
class TaskAssigned(TaskFacts):
    assigned_by: str


@event_type("shouwang.warning.task.reported.v1", topic=VERIFICATION_TASKS)
class TaskReported(TaskFacts):
    outcome: Outcome
    reason: str | None = None
    visited_on: date | None = None
    source_ref: str
    reported_by: str
    target_township_code: str | None = None
    risk_type: str | None = None  # the risk the village found (风险类型), for re-marking


@event_type("shouwang.warning.task.confirmed.v1", topic=VERIFICATION_TASKS)
class TaskConfirmed(TaskFacts):
    outcome: Outcome
    source_ref: str
    confirmed_by: str
    # sealed {"id_number", "name"} so assistance can register a confirmed household
    pii_sealed: str | None = None
    risk_type: str | None = None  # the confirmed risk (风险类型): a re-marked household gets it


@event_type("shouwang.warning.task.returned.v1", topic=VERIFICATION_TASKS)
class TaskReturned(TaskFacts):
    outcome: Outcome
    reason: str | None = None


@event_type("shouwang.warning.task.rerouted.v1", topic=VERIFICATION_TASKS)
class TaskRerouted(TaskFacts):
    from_township_code: str
    rerouted_by: str


@event_type("shouwang.warning.task.overdue.v1", topic=VERIFICATION_TASKS)
class TaskOverdue(TaskFacts):
    stage: Literal["assign", "report"]
    due_at: datetime
    escalated_to: str


@event_type("shouwang.warning.item.unroutable.v1", topic=VERIFICATION_TASKS, key="county_code")
class ItemUnroutable(BaseModel):
    unroutable_id: str
    county_code: str
    village_code: str
    period: str
    person_ref: str
    source_ref: str
    reason: str
