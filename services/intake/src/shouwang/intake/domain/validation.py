"""Field checks of a declaration, each failure a field, a code and a Chinese message."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from shouwang.common.geography import Geography, validate_village_code
from shouwang.common.idnumber import validate_id_number
from shouwang.intake.domain.declaration import HARDSHIPS

_ID_MESSAGES: Final = {
    "id_number_length": "身份证号码应为 18 位",
    "id_number_format": "身份证号码格式不正确（前 17 位为数字，末位为数字或 X）",
    "id_number_birth_date": "身份证号码中的出生日期不正确",
    "id_number_checksum": "身份证号码校验位不正确，请核对后重新填写",
}
_VILLAGE_MESSAGES: Final = {
    "malformed": "村（社区）代码应为 12 位数字",
    "out_of_county": "村（社区）不属于本县",
    "unknown": "村（社区）代码不存在，请核对",
}
_NAME: Final = re.compile(r"[\u3400-\u9fffA-Za-z·•\s]{1,50}")
_PHONE: Final = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
MAX_ATTACHMENTS: Final = 10
MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_detail(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def check_id_number(value: str, *, today: date) -> FieldError | None:
    """GB 11643 length, format, birth date and checksum."""
    code = validate_id_number(value, today=today)
    return FieldError("id_number", code, _ID_MESSAGES[code]) if code else None


def check_village(code: str, *, county_code: str | None, geography: Geography) -> FieldError | None:
    """A known village of the county (the caller's county, or the code's own for residents)."""
    county = county_code or code[:6]
    result = validate_village_code(code, county_code=county, geography=geography)
    if result == "ok" and geography.county(code[:6]) is None:
        result = "unknown"
    if result != "ok":
        return FieldError("village_code", f"village_{result}", _VILLAGE_MESSAGES[result])
    return None


def check_fields(body: Any) -> list[FieldError]:
    """Everything but ID number and village: name, phone, household, hardships, attachments."""
    errors: list[FieldError] = []
    if not _NAME.fullmatch(body.name.strip() or "-"):
        errors.append(FieldError("name", "name_invalid", "姓名应为 1–50 个汉字或字母"))
    if not _PHONE.fullmatch(body.phone.replace(" ", "")):
        errors.append(
            FieldError("phone", "phone_invalid", "联系电话应为 11 位手机号或带区号的固定电话")
        )
    if not 1 <= body.household_size <= 30:
        errors.append(
            FieldError("household_size", "household_size_range", "家庭人口数应在 1–30 之间")
        )
    errors += _check_hardships(body.hardships)
    if body.income_estimate_yuan is not None and body.income_estimate_yuan < 0:
        errors.append(FieldError("income_estimate_yuan", "income_negative", "收入估算不能为负数"))
    errors += _check_attachments(body.attachments)
    return errors


def _check_hardships(hardships: list[str]) -> list[FieldError]:
    if not hardships:
        return [FieldError("hardships", "hardships_missing", "请至少选择一项困难类型")]
    unknown = [h for h in hardships if h not in HARDSHIPS]
    if unknown:
        return [
            FieldError(
                "hardships",
                "hardship_unknown",
                f"困难类型“{unknown[0]}”不在风险类型目录中：{'、'.join(HARDSHIPS)}",
            )
        ]
    if len(set(hardships)) != len(hardships):
        return [FieldError("hardships", "hardship_duplicate", "困难类型不能重复选择")]
    return []


def _check_attachments(attachments: list[Any]) -> list[FieldError]:
    if len(attachments) > MAX_ATTACHMENTS:
        return [FieldError("attachments", "attachments_too_many", f"附件最多 {MAX_ATTACHMENTS} 个")]
    for i, item in enumerate(attachments):
        if item.size > MAX_ATTACHMENT_BYTES:
            return [
                FieldError(
                    f"attachments.{i}.size", "attachment_too_large", "单个附件不能超过 20 MB"
                )
            ]
    return []
