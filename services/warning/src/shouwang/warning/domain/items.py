"""Validation of one pushed item: rejected with a reason, or accepted (possibly unroutable)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from shouwang.common.geography import Geography, validate_village_code
from shouwang.common.idnumber import validate_id_number
from shouwang.warning.domain.indicators import indicator, value_problems

ID_MESSAGES = {
    "id_number_length": "身份证号应为18位",
    "id_number_format": "身份证号格式不正确",
    "id_number_birth_date": "身份证号中的出生日期无效",
    "id_number_checksum": "身份证号校验码错误",
}


@dataclass(frozen=True)
class Rejection:
    index: int
    field: str
    code: str
    message: str


@dataclass(frozen=True)
class ValidItem:
    index: int
    id_number: str
    name: str
    village_code: str
    indicator: str
    values: dict[str, Any]
    observed_on: date | None
    note: str
    routable: bool


def check_item(
    index: int, item: dict[str, Any], *, department: str, county_code: str, geography: Geography
) -> ValidItem | Rejection:
    """Validate one raw item against the rules of DESIGN "Items"."""

    def reject(field: str, code: str, message: str) -> Rejection:
        return Rejection(index, field, code, message)

    id_number = str(item.get("id_number") or "").strip().upper()
    name = str(item.get("name") or "").strip()
    village = str(item.get("village_code") or "").strip()
    code = str(item.get("indicator") or "").strip()
    if not id_number:
        return reject("id_number", "missing_field", "缺少身份证号")
    if problem := validate_id_number(id_number):
        return reject("id_number", str(problem), ID_MESSAGES.get(str(problem), "身份证号无效"))
    if not name:
        return reject("name", "missing_field", "缺少姓名")
    if len(name) > 50:
        return reject("name", "name_too_long", "姓名过长")
    if not village:
        return reject("village_code", "missing_field", "缺少村（社区）代码")
    place = validate_village_code(village, county_code=county_code, geography=geography)
    if place == "malformed":
        return reject("village_code", "village_code_malformed", "村（社区）代码应为12位数字")
    if place == "out_of_county":
        return reject("village_code", "village_out_of_county", "村（社区）不属于本县")
    ind = indicator(code)
    if ind is None or ind.department != department:
        return reject("indicator", "unknown_indicator", f"本部门无此预警指标：{code or '空'}")
    values = item.get("values") or {}
    if not isinstance(values, dict):
        return reject("values", "values_not_object", "指标值应为对象")
    if problems := value_problems(ind, values):
        field, problem_code, message = problems[0]
        return reject(field, problem_code, message)
    observed = item.get("observed_on")
    observed_on = observed if isinstance(observed, date) else _parse_date(observed)
    if observed and observed_on is None:
        return reject("observed_on", "invalid_date", "发现日期格式应为 YYYY-MM-DD")
    return ValidItem(
        index,
        id_number,
        name,
        village,
        code,
        values,
        observed_on,
        str(item.get("note") or "")[:500],
        place == "ok",
    )


def _parse_date(raw: object) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None
