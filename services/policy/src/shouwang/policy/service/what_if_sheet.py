"""The what-if as a workbook: 乡镇汇总, 户, 预警事项 (Chinese headers, codes kept as text)."""

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from shouwang.common.vocab import DEPARTMENTS

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TOWNSHIP_HEADER = ("乡镇代码", "乡镇名称", "新增标记户数", "取消标记户数",
                   "转为低于阈值事项数", "转为派发核实事项数")  # fmt: skip
HOUSEHOLD_HEADER = ("户编号", "县代码", "乡镇代码", "村（社区）代码", "收入月份",
                    "人均纯收入（元）", "标记", "变化")  # fmt: skip
ITEM_HEADER = ("事项编号", "批次编号", "县代码", "部门", "期间", "乡镇代码", "村（社区）代码",
               "预警指标", "数值", "现行分类", "拟议分类")  # fmt: skip
FLAG_LABELS = {
    "below_monitoring_line": "低于监测线",
    "below_lifted_average": "低于脱贫人口平均水平",
}
CHANGE_LABELS = {"gained": "新增", "lost": "取消"}
CLASS_LABELS = {"below_threshold": "低于阈值（不派发）", "routed": "派发核实"}


def neutralise(value: object) -> object:
    """Keep spreadsheet programs from evaluating text as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def what_if_xlsx(answer: dict[str, Any]) -> bytes:
    """The three sheets of a what-if answer; the township sheet ends with the totals."""
    book = Workbook(write_only=True)
    totals = answer["totals"]
    _sheet(book, "乡镇汇总", TOWNSHIP_HEADER, [
        *([t["township_code"], t["township_name"] or "", t["households_gained"],
           t["households_lost"], t["items_to_below_threshold"], t["items_to_routed"]]
          for t in answer["townships"]),
        ["合计", "", totals["households_gained"], totals["households_lost"],
         totals["items_to_below_threshold"], totals["items_to_routed"]],
    ])  # fmt: skip
    _sheet(book, "户", HOUSEHOLD_HEADER, (
        [h["household_id"], h["county_code"], h["township_code"], h["village_code"], h["month"],
         h["per_person_yuan"], FLAG_LABELS.get(h["flag"], h["flag"]),
         CHANGE_LABELS.get(h["change"], h["change"])]
        for h in answer["households"]
    ))  # fmt: skip
    _sheet(book, "预警事项", ITEM_HEADER, (
        [i["item_id"], i["batch_id"], i["county_code"],
         DEPARTMENTS.get(i["department"], i["department"]), i["period"], i["township_code"],
         i["village_code"], i["indicator"],
         "；".join(f"{k}={v:g}" for k, v in sorted(i["values"].items())),
         CLASS_LABELS[i["current_class"]], CLASS_LABELS[i["proposed_class"]]]
        for i in answer["items"]
    ))  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook, title: str, header: Iterable[str], rows: Iterable[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
