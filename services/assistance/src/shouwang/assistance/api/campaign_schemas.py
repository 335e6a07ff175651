"""Request bodies of the screening-campaign API (pydantic, API only)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field
from shouwang.assistance.api.schemas import _one_of
from shouwang.assistance.domain.campaign import PROBLEM_TYPES

ProblemType = Annotated[str, AfterValidator(_one_of(PROBLEM_TYPES))]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class PhaseIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    starts_on: date
    ends_on: date


class CampaignCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phases: list[PhaseIn] = Field(min_length=1, max_length=12)


class Responsible(BaseModel):
    unit: str = Field(min_length=1, max_length=200)
    person: str = Field(min_length=1, max_length=64)


class ProblemCreate(BaseModel):
    # a household's problem, or a fund/industry project's (seed 003 "资金项目管理", "产业发展")
    subject: Literal["household", "fund_project", "industry_project"] = "household"
    household_id: str | None = Field(default=None, min_length=1, max_length=64)
    project_name: str | None = Field(default=None, min_length=1, max_length=200)
    village_code: str | None = Field(default=None, pattern=r"^\d{12}$")  # a project's village
    problem_type: ProblemType
    description: Text
    measure: Text
    responsible: Responsible
    deadline: date


class Attachment(BaseModel):
    file_name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    size_bytes: int = Field(ge=0)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class Evidence(BaseModel):
    text: str = Field(default="", max_length=4000)
    attachments: list[Attachment] = Field(default=[], max_length=20)


class ProblemClose(BaseModel):
    evidence: Evidence | None = None
