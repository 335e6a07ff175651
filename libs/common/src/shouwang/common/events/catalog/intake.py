"""Events of the intake channels (自主申报, 干部排查, 信访舆情, 12317)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from shouwang.common.events.registry import event_type
from shouwang.common.events.topics import INTAKE_DECLARATIONS


@event_type("shouwang.intake.declaration.received.v1", topic=INTAKE_DECLARATIONS)
class DeclarationReceived(BaseModel):
    receipt: str
    county_code: str
    township_code: str
    village_code: str
    channel: str
    person_ref: str
    name_masked: str
    id_masked: str
    hardships: list[str]
    household_size: int | None = None
    # AES-GCM sealed {"id_number", "name"} under the deployment key: never readable on the topic
    pii_sealed: str


@event_type("shouwang.intake.declaration.overdue.v1", topic=INTAKE_DECLARATIONS)
class DeclarationOverdue(BaseModel):
    """The township missed a declaration's deadline: acceptance or home visit (once per stage)."""

    receipt: str
    county_code: str
    township_code: str
    village_code: str
    channel: str
    person_ref: str
    name_masked: str
    stage: Literal["accept", "visit"]
    due_on: date  # the last day of the deadline (Asia/Shanghai)
    filed_at: datetime
