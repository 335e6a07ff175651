"""File upload of a department batch (CSV/XLSX), its template, and the rejected rows as XLSX."""

import asyncio
import random
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, ValidationError
from shouwang.common.auth.deps import CurrentPrincipal
from shouwang.common.auth.principal import Principal
from shouwang.common.errors import invalid_body
from shouwang.common.failures import Forbidden, Invalid
from shouwang.common.http.idempotency_key import IdempotencyKey
from shouwang.common.idnumber import generate_id_number
from shouwang.common.spreadsheet.text import charset_of
from shouwang.warning.api.deps import RuntimeDep
from shouwang.warning.api.routes_batches import _visible_batch
from shouwang.warning.api.schemas import PERIOD
from shouwang.warning.domain.indicators import DEPARTMENTS
from shouwang.warning.service.push import BatchHeader
from shouwang.warning.service.upload import upload_batch
from shouwang.warning.service.workbooks import XLSX_TYPE, rejections_workbook, template_workbook
from starlette.datastructures import UploadFile

router = APIRouter(prefix="/api/v1/warning-batches", tags=["warning batches"])
DEMO_VILLAGE = "231226100201"


class UploadFields(BaseModel):
    department: str = Field(min_length=1, max_length=40)
    period: str = Field(pattern=PERIOD)
    urgent: bool = False
    urgent_reason: str | None = Field(default=None, max_length=500)


def _attachment(filename: str, fallback: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename)}"
    }


def _fields(form: Any) -> UploadFields:
    values = {k: v for k, v in form.items() if isinstance(v, str) and v != ""}
    try:
        return UploadFields.model_validate(values)
    except ValidationError as exc:
        raise invalid_body(exc) from None


@router.post("/upload", status_code=202)
async def upload_warning_batch(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Upload a month's warnings as CSV (UTF-8 or GBK) or XLSX: multipart `file` + fields."""
    if principal.role != "department":
        raise Forbidden("只有行业部门可以推送预警数据", code="forbidden_role")
    async with request.form(max_files=1, max_fields=10) as form:
        fields = _fields(form)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid("缺少上传文件", code="validation_failed", field="file")
        header = BatchHeader(
            fields.department,
            fields.period,
            fields.urgent,
            fields.urgent_reason,
            idempotency_key,
        )
        charset = charset_of(upload.content_type)
        status, result = await upload_batch(
            header, upload.file, charset=charset, runtime=runtime, principal=principal
        )
    response.status_code = status
    return result


def _sample_place(runtime: RuntimeDep, principal: Principal) -> tuple[str, str]:
    county = principal.county or (principal.region or "")[:6]
    villages = runtime.geography.county_villages(county) if len(county) == 6 else []
    village = villages[0].code if villages else DEMO_VILLAGE
    return village[:6], village


@router.get("/template")
async def download_template(
    runtime: RuntimeDep, principal: CurrentPrincipal, department: str | None = None
) -> Response:
    """The XLSX upload template of a department (Chinese headers, drop-downs, instructions)."""
    code = department or (principal.scope if principal.role == "department" else "")
    if not code:
        raise Invalid("缺少部门代码", code="validation_failed", field="department")
    if code not in DEPARTMENTS:
        raise Invalid("未知的部门代码", code="unknown_department", field="department")
    region, village = _sample_place(runtime, principal)
    # a synthetic, checksum-valid number: the sample never carries a real person
    sample_id = generate_id_number(random.Random(f"template:{code}"), region=region)
    content = await asyncio.to_thread(
        template_workbook, code, sample_id=sample_id, sample_village=village
    )
    return Response(
        content,
        media_type=XLSX_TYPE,
        headers=_attachment(f"{DEPARTMENTS[code]}预警数据模板.xlsx", f"template-{code}.xlsx"),
    )


@router.get("/{batch_id}/rejections.xlsx")
async def download_rejections(
    runtime: RuntimeDep, principal: CurrentPrincipal, batch_id: str
) -> Response:
    """The batch's rejected rows: row number, field, code, Chinese message (no personal data)."""
    row = await _visible_batch(runtime, principal, batch_id)
    content = await asyncio.to_thread(rejections_workbook, dict(row))
    return Response(
        content,
        media_type=XLSX_TYPE,
        headers=_attachment(f"预警批次拒收明细-{batch_id}.xlsx", f"rejections-{batch_id}.xlsx"),
    )
