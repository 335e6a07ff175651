"""Request and response shapes of the intake API."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from shouwang.common.deadlines import Colour
from shouwang.intake.domain.declaration import Channel, Status
from shouwang.intake.domain.form import AttachmentMeta, DeclarationCreate

__all__ = ["AttachmentMeta", "DeclarationCreate"]

# Chinese labels for the field part of validation messages.
FIELD_LABELS = {
    "channel": "申报渠道",
    "id_number": "身份证号码",
    "name": "姓名",
    "phone": "联系电话",
    "village_code": "村（社区）代码",
    "household_size": "家庭人口数",
    "hardships": "困难类型",
    "description": "情况说明",
    "income_estimate_yuan": "收入估算",
    "attachments": "附件",
}


class DeclarationAccepted(BaseModel):
    receipt: str
    status: Status
    attached_to: str | None
    message: str
    accept_by: date | None
    visit_by: date | None


class DeclarationStatus(BaseModel):
    receipt: str
    status: Status
    status_label: str
    outcome: str | None
    updated_at: datetime
    name_masked: str
    channel: Channel
    hardships: list[str]
    created_at: datetime
    accept_by: date | None
    visit_by: date | None


class DeclarationRow(BaseModel):
    receipt: str
    channel: Channel
    status: Status
    outcome: str | None
    county_code: str
    township_code: str
    village_code: str
    name_masked: str
    id_masked: str
    phone_masked: str | None
    household_size: int
    hardships: list[str]
    task_id: str | None
    created_at: datetime
    updated_at: datetime
    accept_by: date | None
    visit_by: date | None
    colour: Colour | None


class DeclarationPage(BaseModel):
    items: list[DeclarationRow]
    next_cursor: str | None


ExportFormat = Literal["json", "xlsx"]
