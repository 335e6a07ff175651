"""Batch spreadsheets: the department's columns and streaming CSV/XLSX row readers."""

import csv
import io
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from shouwang.common.errors import ApiError
from shouwang.warning.domain.indicators import Indicator, indicator, indicators_of

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
        raise ApiError(
            422,
            "upload_unknown_column",
            f"无法识别的列：{'、'.join(unknown[:10])}（请使用本部门模板）",
            field="file",
            details={"columns": unknown[:50]},
        )
    missing = [label for f, label in BASE_COLUMNS if f in REQUIRED and f not in fields]
    if missing:
        raise ApiError(
            422, "upload_missing_column", f"缺少必填列：{'、'.join(missing)}", field="file"
        )
    return fields


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


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

    def __call__(self, cells: Any) -> dict[str, Any] | None:
        """One data row as a push item (None for a blank row)."""
        raw: dict[str, str] = {}
        for field, cell in zip(self.fields, cells, strict=False):
            if field is not None:
                raw[field] = _text(cell)
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
        numeric = name in specs and specs[name].kind in _NUMERIC_KINDS
        values[name] = _number(text) if numeric else text
    return values


def sniff(file: IO[bytes]) -> str:
    """'xlsx' or 'csv' from the first bytes; 415 for old .xls and other binaries."""
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ApiError(415, "upload_unsupported_format", "不支持 .xls 格式，请另存为 .xlsx 或 CSV")
    return "csv"


def iter_rows(file: IO[bytes], kind: str) -> Generator[tuple[int, Any], None, None]:
    """Yield (sheet row number, cells) one row at a time; the header is row 1."""
    rows = _csv_rows(file) if kind == "csv" else _xlsx_rows(file)
    yield from enumerate(rows, start=1)


def _csv_rows(file: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError:
        raise ApiError(
            422,
            "upload_encoding",
            "CSV 文件须为 UTF-8 编码（可在 Excel 中“另存为 CSV UTF-8”）",
            field="file",
        ) from None
    except csv.Error as exc:
        raise ApiError(422, "upload_unreadable", f"CSV 格式错误：{exc}", field="file") from None
    finally:
        if not file.closed:
            text.detach()  # leave the spooled upload open for the next pass


def _xlsx_rows(file: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
        raise ApiError(422, "upload_unreadable", "无法读取 XLSX 文件", field="file") from None
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()
