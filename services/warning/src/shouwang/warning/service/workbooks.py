"""Workbooks the warning service hands out: the department template and a batch's rejections."""

import io
from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from shouwang.warning.domain.indicators import DEPARTMENTS, INDICATORS, Indicator, indicators_of
from shouwang.warning.service.spreadsheets import REQUIRED, columns_for, field_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LAST_ROW = 200_001
_HINTS = {
    "id_number": "18位公民身份号码，末位可为X；请保持文本格式",
    "name": "姓名",
    "village_code": "12位统计用区划代码（村/社区）；请保持文本格式",
    "indicator": "从下拉列表选择（也可填写指标代码）",
    "observed_on": "格式 YYYY-MM-DD，可不填",
    "note": "可不填，最多500字",
}


def neutralise(value: object) -> object:
    """Keep spreadsheet programs from evaluating text as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_workbook(department: str, *, sample_id: str, sample_village: str) -> bytes:
    """The upload template: Chinese headers, drop-down lists, instructions and a sample row."""
    columns = columns_for(department)
    book = Workbook()
    sheet = book.active
    sheet.title = "预警数据"
    sheet.append([c.header for c in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.header) * 2 + 4)
        if column.field in ("id_number", "village_code"):
            sheet.column_dimensions[letter].number_format = "@"
        choices = _choices(department, column.field)
        if choices and len(",".join(choices)) < 250:
            rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
            rule.error, rule.errorTitle = "请从下拉列表中选择", "取值无效"
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{_LAST_ROW}")
    _guide(book, department, columns, _sample(department, sample_id, sample_village))
    return _save(book)


def _choices(department: str, field: str) -> list[str]:
    if field == "indicator":
        return [ind.label for ind in indicators_of(department)]
    name = field.removeprefix("values.")
    for ind in indicators_of(department):
        for spec in ind.fields:
            if spec.name == name and spec.choices:
                return [spec.choice_label(code) for code in spec.choices]
    return []


def _sample(department: str, sample_id: str, village: str) -> dict[str, Any]:
    first = indicators_of(department)[0]
    row: dict[str, Any] = {
        "id_number": sample_id,
        "name": "张三（示例）",
        "village_code": village,
        "indicator": first.label,
        "observed_on": "2026-11-03",
        "note": "示例行，仅供参考",
    }
    for spec in first.fields:
        row[f"values.{spec.name}"] = spec.choice_label(spec.choices[0]) if spec.choices else "23000"
    return row


def _guide(book: Workbook, department: str, columns: list[Any], sample: dict[str, Any]) -> None:
    guide = book.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 60
    guide.append([f"{DEPARTMENTS[department]}预警数据上传模板"])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append(["在“预警数据”工作表中每行填写一人一条预警；第一行为列名，请勿修改。"])
    guide.append(
        ["支持 .xlsx 或 .csv（UTF-8 或 GBK 编码）；有误的行拒收并可下载错误明细，其余照常接收。"]
    )
    guide.append([])
    guide.append(["列名", "是否必填", "说明"])
    for column in columns:
        guide.append([column.header, *_column_help(column.field, department)])
    guide.append([])
    guide.append(["预警指标", "指标代码", "需填写的指标值"])
    for ind in indicators_of(department):
        needed = "、".join(f"{s.label}{'' if s.required else '（选填）'}" for s in ind.fields)
        guide.append([ind.label, ind.code, needed or "无"])
    guide.append([])
    guide.append(["填写示例（身份证号为虚构号码，请勿上传本示例）"])
    guide.append([c.header for c in columns])
    guide.append([sample.get(c.field, "") for c in columns])


def _column_help(field: str, department: str) -> list[str]:
    if field in _HINTS:
        return ["必填" if field in REQUIRED else "选填", _HINTS[field]]
    name = field.removeprefix("values.")
    users = [i for i in _with_field(name) if i.department == department]
    required = all(s.required for i in users for s in i.fields if s.name == name)
    note = "仅以下指标填写：" + "、".join(i.label for i in users)
    specs = [s for i in users for s in i.fields if s.name == name]
    choices = [s.choice_label(c) for s in specs for c in s.choices]
    if choices:
        note += f"；取值：{'/'.join(dict.fromkeys(choices))}"
    return ["按指标必填" if required else "选填", note]


def _with_field(name: str) -> list[Indicator]:
    return [i for i in INDICATORS if any(s.name == name for s in i.fields)]


def rejections_workbook(batch: Mapping[str, Any]) -> bytes:
    """A batch's rejected rows: row, field, code and the Chinese message (never the row's data)."""
    department = str(batch["department"])
    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误明细")
    sheet.append(["行号", "条目序号", "字段", "字段名称", "错误代码", "错误说明"])
    for rejection in batch["rejections"]:
        field = str(rejection.get("field", ""))
        cells = [
            rejection.get("row"),
            rejection.get("index"),
            field,
            _field_name(field, department),
            rejection.get("code"),
            rejection.get("message"),
        ]
        sheet.append([neutralise(cell) for cell in cells])
    summary = book.create_sheet("汇总")
    for label, value in (
        ("批次", str(batch["id"])),
        ("部门", DEPARTMENTS.get(department, department)),
        ("期间", batch["period"]),
        ("收到条数", batch["received"]),
        ("接收条数", batch["accepted"]),
        ("拒收条数", batch["rejected"]),
        ("明细条数", len(batch["rejections"])),
    ):
        summary.append([label, neutralise(value)])
    if batch["rejected"] > len(batch["rejections"]):
        summary.append(["说明", "拒收条数过多，仅列出前若干条明细；请修正后重新上传"])
    return _save(book)


def _field_name(field: str, department: str) -> str:
    label = field_label(field, department)
    if label == field and field.startswith("values."):
        name = field.removeprefix("values.")
        for ind in _with_field(name):
            spec = next(s for s in ind.fields if s.name == name)
            return spec.label
    return label if label != field else {"values": "指标值"}.get(field, field)
