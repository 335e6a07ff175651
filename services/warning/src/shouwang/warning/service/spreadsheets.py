"""Batch spreadsheets: the department's columns, and rows (as text) turned into push items."""

from dataclasses import dataclass
from typing import Any

from shouwang.common.failures import Invalid
from shouwang.warning.domain.indicators import Indicator, ValueField, indicator, indicators_of

BASE_COLUMNS = (
    ("id_number", "身份证号"),
    ("name", "姓名"),
    ("village_code", "村（社区）代码"),
    ("indicator", "预警指标"),
)
TAIL_COLUMNS = (("observed_on", "发现日期"), ("note", "备注"))
REQUIRED = ("id_number", "name", "village_code", "indicator")
ALIASES = {
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "村代码": "village_code",
    "社区代码": "village_code",
    "指标": "indicator",
    "预警类型": "indicator",
}
IGNORED = {"序号"}
_NUMERIC_KINDS = ("yuan", "count", "days")


@dataclass(frozen=True)
class Column:
    field: str
    header: str


def columns_for(department: str) -> list[Column]:
    """The template's columns for a department, in order (one per indicator value field)."""
    values: dict[str, Column] = {}
    for ind in indicators_of(department):
        for spec in ind.fields:
            values.setdefault(spec.name, Column(f"values.{spec.name}", spec.label))
    return [
        *(Column(f, h) for f, h in BASE_COLUMNS),
        *values.values(),
        *(Column(f, h) for f, h in TAIL_COLUMNS),
    ]


def field_label(field: str, department: str) -> str:
    """The Chinese header of a field (for messages and the rejection workbook)."""
    for column in columns_for(department):
        if column.field == field:
            return column.header
    return field


def _norm(header: object) -> str:
    text = str(header or "").replace("\ufeff", "").replace("（", "(").replace("）", ")")
    return "".join(text.split()).lower()


def _header_map(department: str) -> dict[str, str]:
    known: dict[str, str] = {}
    for column in columns_for(department):
        known[_norm(column.header)] = column.field
        known[_norm(column.field)] = column.field
        known[_norm(column.field.removeprefix("values."))] = column.field
    known.update({_norm(alias): target for alias, target in ALIASES.items()})
    return known


def resolve_headers(cells: list[Any], department: str) -> list[str | None]:
    """Map a header row to fields; 422 on unknown or missing columns."""
    known = _header_map(department)
    fields: list[str | None] = []
    unknown = []
    for cell in cells:
        key = _norm(cell)
        if not key or key in IGNORED:
            fields.append(None)
        elif key in known:
            fields.append(known[key])
        else:
            fields.append(None)
            unknown.append(str(cell))
    if unknown:
        raise Invalid(
            f"无法识别的列：{'、'.join(unknown[:10])}（请使用本部门模板）",
            code="upload_unknown_column",
            field="file",
            details={"columns": unknown[:50]},
        )
    missing = [label for f, label in BASE_COLUMNS if f in REQUIRED and f not in fields]
    if missing:
        raise Invalid(
            f"缺少必填列：{'、'.join(missing)}", code="upload_missing_column", field="file"
        )
    return fields


def _number(text: str) -> object:
    try:
        number = float(text)
    except ValueError:
        return text  # check_item rejects it with the usual message
    return int(number) if number.is_integer() else number


def _date(text: str) -> str:
    parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return text


class ItemMapper:
    """Turns data rows into raw push items, given the header row and the department."""

    def __init__(self, header: Any, department: str) -> None:
        self.fields = resolve_headers(list(header), department)
        self.codes = {}
        for ind in indicators_of(department):
            self.codes[ind.label] = ind.code
            self.codes[ind.code] = ind.code

    def __call__(self, cells: list[str]) -> dict[str, Any] | None:
        """One data row (cells as text) as a push item (None for a blank row)."""
        raw: dict[str, str] = {}
        for field, cell in zip(self.fields, cells, strict=False):
            if field is not None:
                raw[field] = cell.strip()
        if not any(raw.values()):
            return None
        code = self.codes.get(raw.get("indicator", ""), raw.get("indicator", ""))
        item: dict[str, Any] = {f: raw.get(f, "") for f, _ in (*BASE_COLUMNS, *TAIL_COLUMNS)}
        item["indicator"] = code
        item["values"] = _values(raw, indicator(code))
        item["observed_on"] = _date(item["observed_on"])
        return item


def _values(raw: dict[str, str], ind: Indicator | None) -> dict[str, Any]:
    """The row's filled value cells (only the indicator's own fields once it is known)."""
    specs = {s.name: s for s in ind.fields} if ind else {}
    values: dict[str, Any] = {}
    for field, text in raw.items():
        name = field.removeprefix("values.")
        if not field.startswith("values.") or not text or (specs and name not in specs):
            continue
        values[name] = _value(specs[name], text) if name in specs else text
    return values


def _value(spec: ValueField, text: str) -> object:
    """A cell's value as the push carries it: a number, or a choice's code for its label."""
    if spec.kind in _NUMERIC_KINDS:
        return _number(text)
    return spec.choice_code(text) if spec.choices else text
