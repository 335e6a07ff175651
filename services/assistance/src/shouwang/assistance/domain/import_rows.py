"""Rows of a registry export (CSV): column aliases, value mapping and per-row validation."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shouwang.assistance.domain.vocab import CATEGORIES, PROTECTIONS, RISK_TYPES
from shouwang.common.idnumber import validate_id_number

COLUMNS: dict[str, tuple[str, ...]] = {
    "household_no": ("户编号", "household_no"),
    "village_code": ("村代码", "村（社区）代码", "village_code"),
    "category": ("户类型", "监测对象类别", "category"),
    "status": ("户状态", "风险消除状态", "status"),
    "relation": ("与户主关系", "relation"),
    "name": ("姓名", "name"),
    "id_number": ("证件号码", "身份证号码", "id_number"),
    "labour": ("劳动技能", "劳动能力", "labour"),
    "phone": ("联系电话", "phone"),
    "address": ("家庭住址", "address"),
    "risk_types": ("风险类型", "致贫返贫风险", "risk_types"),
    "protection": ("保障类型", "protection"),
    "monitored_since": ("纳入监测时间", "monitored_since"),
    "last_year_income": ("上年人均纯收入", "last_year_income_per_person"),
}
REQUIRED = ("household_no", "village_code", "category", "name", "id_number", "labour")
LABOUR_WORDS = {
    "普通劳动力": "full",
    "技能劳动力": "full",
    "有劳动能力": "full",
    "full": "full",
    "弱劳动力或半劳动力": "partial",
    "弱劳动力": "partial",
    "半劳动力": "partial",
    "partial": "partial",
    "无劳动力": "none",
    "丧失劳动力": "none",
    "无劳动能力": "none",
    "none": "none",
}
STATUS_WORDS = {
    "风险已消除": "risk_eliminated",
    "已消除": "risk_eliminated",
    "监测中": "monitored",
    "未消除": "monitored",
    "脱贫": "lifted",
}
_SPLIT = re.compile(r"[、,，;；|/]\s*")


class RowError(Exception):
    """A row that cannot be imported: code, Chinese message, column."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code, self.message, self.field = code, message, field


@dataclass
class ImportRow:
    household_no: str
    household: dict[str, Any]
    member: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def header_index(header: list[str]) -> dict[str, int]:
    """Map each known column to its position; RowError if a required one is missing."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    found = {
        key: names.index(alias)
        for key, aliases in COLUMNS.items()
        for alias in aliases
        if alias in names
    }
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in found]
    if missing:
        raise RowError("missing_columns", f"缺少必需的列：{'、'.join(missing)}", "header")
    return found


def _split(value: str, allowed: tuple[str, ...], field_name: str) -> list[str]:
    items = [v for v in _SPLIT.split(value.strip()) if v]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise RowError(f"unknown_{field_name}", f"无法识别的取值：{'、'.join(unknown)}", field_name)
    return items


def parse_row(cells: list[str], index: dict[str, int], *, today: date) -> ImportRow:
    """Validate one row and split it into household facts and one member."""
    value = {k: (cells[i].strip() if i < len(cells) else "") for k, i in index.items()}
    for key in REQUIRED:
        if not value.get(key):
            raise RowError("missing_value", f"{COLUMNS[key][0]}不能为空", key)
    if not re.fullmatch(r"\d{12}", value["village_code"]):
        raise RowError("invalid_village_code", "村代码应为 12 位数字", "village_code")
    if value["category"] not in CATEGORIES:
        raise RowError("unknown_category", f"无法识别的户类型：{value['category']}", "category")
    error = validate_id_number(value["id_number"], today=today)
    if error:
        raise RowError(error, "身份证号码无效", "id_number")
    labour = LABOUR_WORDS.get(value["labour"])
    if labour is None:
        raise RowError("unknown_labour", f"无法识别的劳动技能：{value['labour']}", "labour")
    household = {
        "village_code": value["village_code"],
        "category": value["category"],
        "status": _status(value),
        "external_no": value["household_no"],
        "risk_types": _split(value.get("risk_types", ""), RISK_TYPES, "risk_types"),
        "protection": _split(value.get("protection", ""), PROTECTIONS, "protection"),
        "address": value.get("address") or None,
        "monitored_since": _date(value.get("monitored_since", "")),
        "last_year_income_per_person": _number(value.get("last_year_income", "")),
    }
    member = {
        "id_number": value["id_number"],
        "name": value["name"],
        "labour": labour,
        "relation": value.get("relation") or "户主",
        "phone": value.get("phone") or None,
    }
    return ImportRow(household_no=value["household_no"], household=household, member=member)


def _status(value: dict[str, str]) -> str:
    if value["category"] == "脱贫户":
        return "lifted"
    return STATUS_WORDS.get(value.get("status", ""), "monitored")


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise RowError(
            "invalid_date", "纳入监测时间格式应为 YYYY-MM-DD", "monitored_since"
        ) from None


def _number(text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise RowError("invalid_number", "上年人均纯收入应为数字", "last_year_income") from None
