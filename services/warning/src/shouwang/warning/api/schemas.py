"""Request and response shapes of the warning API (API.md)."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


class WarningItemCreate(BaseModel):
    # items are checked one by one by the domain, so a bad item never fails the whole batch
    id_number: Any = None
    name: Any = None
    village_code: Any = None
    indicator: Any = None
    values: Any = None
    observed_on: Any = None
    note: Any = None


class WarningBatchCreate(BaseModel):
    department: str = Field(min_length=1, max_length=40)
    period: str = Field(pattern=PERIOD)
    urgent: bool = False
    urgent_reason: str | None = Field(default=None, max_length=500)
    items: list[WarningItemCreate] = Field(max_length=200_000)


class RejectionRead(BaseModel):
    index: int
    field: str
    code: str
    message: str


class WarningBatchAccepted(BaseModel):
    batch_id: str
    timeliness: Literal["on_time", "urgent", "extended"]
    received: int
    accepted: int
    rejected: int
    rejections: list[RejectionRead]
    sha256: str


class WarningBatchRead(WarningBatchAccepted):
    county_code: str
    department: str
    period: str
    received_at: datetime
    processing: Literal["pending", "done"]
    tasks_created: int
    signals_attached: int
    unroutable: int
    below_threshold: int
    comparison: dict[str, int]  # new, monitored, lifted, eliminated, open_task, below_threshold


class WarningBatchPage(BaseModel):
    items: list[WarningBatchRead]
    next_cursor: str | None


class SignalRead(BaseModel):
    channel: str
    department: str | None
    indicator: str | None
    values: dict[str, Any]
    batch_id: str | None
    source_ref: str
    received_at: datetime


class HistoryRead(BaseModel):
    at: datetime
    action: str
    actor: str
    details: dict[str, Any]


class TaskRead(BaseModel):
    task_id: str
    county_code: str
    township_code: str
    village_code: str
    period: str
    status: str
    channel: str
    comparison: str
    person_ref: str
    name_masked: str
    id_masked: str
    assign_by: datetime
    report_by: datetime
    colour: str
    assigned_village: str | None
    cadre_name: str | None
    outcome: str | None
    reason: str | None
    visited_on: date | None
    created_at: datetime
    signals: list[SignalRead] = []
    history: list[HistoryRead] = []


class TaskPage(BaseModel):
    items: list[TaskRead]
    next_cursor: str | None
    feed_position: int = Field(
        description="the township feed's position when the page was read: open the stream "
        "with `after` set to it to get only what came since"
    )


class TaskAssign(BaseModel):
    village_code: str = Field(pattern=r"^\d{12}$")
    cadre_name: str | None = Field(default=None, max_length=50)


class TaskReport(BaseModel):
    outcome: Literal["risk_confirmed", "no_risk", "already_monitored", "not_found", "moved"]
    reason: str | None = Field(default=None, max_length=1000)
    visited_on: date | None = None
    note: str | None = Field(default=None, max_length=2000)
    target_township_code: str | None = Field(default=None, pattern=r"^\d{9}$")
    risk_type: str | None = Field(default=None, max_length=32)  # 风险类型 (with risk_confirmed)


class TaskReroute(BaseModel):
    village_code: str = Field(pattern=r"^\d{12}$")


class ExtensionCreate(BaseModel):
    department: str
    period: str = Field(pattern=PERIOD)
    until: datetime


class UnroutableRead(BaseModel):
    id: str
    county_code: str
    village_code: str
    period: str
    person_ref: str
    name_masked: str
    id_masked: str
    channel: str
    department: str | None
    indicator: str | None
    source_ref: str
    reason: str
    status: str
    task_id: str | None
    created_at: datetime


class UnroutablePage(BaseModel):
    items: list[UnroutableRead]
    next_cursor: str | None


class BelowThresholdRead(BaseModel):
    id: str
    county_code: str
    village_code: str
    period: str
    department: str
    indicator: str
    values: dict[str, Any]
    minimums: dict[str, float]  # the county's minimums the item did not reach
    person_ref: str
    name_masked: str
    id_masked: str
    batch_id: str
    created_at: datetime


class BelowThresholdPage(BaseModel):
    items: list[BelowThresholdRead]
    next_cursor: str | None
