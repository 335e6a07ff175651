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


Problem = tuple[str, str, str]  # field, code, Chinese message


def check_item(
    index: int, item: dict[str, Any], *, department: str, county_code: str, geography: Geography
) -> ValidItem | Rejection:
    """Validate one raw item against the rules of DESIGN "Items" (the first problem rejects it)."""
    id_number = str(item.get("id_number") or "").strip().upper()
    name = str(item.get("name") or "").strip()
    village = str(item.get("village_code") or "").strip()
    code = str(item.get("indicator") or "").strip()
    values = item.get("values") or {}
    observed = item.get("observed_on")
    observed_on = observed if isinstance(observed, date) else _parse_date(observed)
    place = validate_village_code(village, county_code=county_code, geography=geography)
    problem = (
        _person_problem(id_number, name)
        or _place_problem(village, place)
        or _indicator_problem(code, values, department)
        or (_BAD_DATE if observed and observed_on is None else None)
    )
    if problem:
        return Rejection(index, *problem)
    note = str(item.get("note") or "")[:500]
    return ValidItem(
        index, id_number, name, village, code, values, observed_on, note, place == "ok"
    )


_BAD_DATE = ("observed_on", "invalid_date", "发现日期格式应为 YYYY-MM-DD")


def _person_problem(id_number: str, name: str) -> Problem | None:
    if not id_number:
        return ("id_number", "missing_field", "缺少身份证号")
    if problem := validate_id_number(id_number):
        return ("id_number", str(problem), ID_MESSAGES.get(str(problem), "身份证号无效"))
    if not name:
        return ("name", "missing_field", "缺少姓名")
    if len(name) > 50:
        return ("name", "name_too_long", "姓名过长")
    return None


def _place_problem(village: str, place: str) -> Problem | None:
    if not village:
        return ("village_code", "missing_field", "缺少村（社区）代码")
    if place == "malformed":
        return ("village_code", "village_code_malformed", "村（社区）代码应为12位数字")
    if place == "out_of_county":
        return ("village_code", "village_out_of_county", "村（社区）不属于本县")
    return None


def _indicator_problem(code: str, values: object, department: str) -> Problem | None:
    ind = indicator(code)
    if ind is None or ind.department != department:
        return ("indicator", "unknown_indicator", f"本部门无此预警指标：{code or '空'}")
    if not isinstance(values, dict):
        return ("values", "values_not_object", "指标值应为对象")
    if problems := value_problems(ind, values):
        return problems[0]
    return None


def _parse_date(raw: object) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None
