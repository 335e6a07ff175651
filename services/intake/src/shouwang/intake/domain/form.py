"""A declaration as filed: the fields a resident, cadre, petition or hotline caller sends."""

from pydantic import BaseModel, ConfigDict, Field
from shouwang.intake.domain.declaration import Channel


class AttachmentMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=0)


class DeclarationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    id_number: str = Field(max_length=32)
    name: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    village_code: str = Field(max_length=20)
    household_size: int
    hardships: list[str] = Field(max_length=11)
    description: str = Field(default="", max_length=2000)
    income_estimate_yuan: float | None = None
    attachments: list[AttachmentMeta] = Field(default_factory=list, max_length=50)
