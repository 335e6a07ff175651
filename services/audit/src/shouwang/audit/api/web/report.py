"""HTML sections of the printable consultation (会商) report."""

from html import escape
from string import Template
from typing import Any

from shouwang.audit.api.web.labels import COMPLIANCE_STATUS

Row = list[Any]


def _cell(value: Any) -> str:
    return "—" if value is None else escape(str(value))


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _table(head: list[str], rows: list[Row], table_id: str) -> str:
    if not rows:
        return f'<p id="{table_id}" class="note">暂无数据。</p>'
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(_td(c, i) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><tr>{header}</tr>{body}</table>'


def _td(value: Any, index: int) -> str:
    if isinstance(value, tuple):  # (text, css class)
        return f'<td class="{value[1]}">{_cell(value[0])}</td>'
    return f'<td class="name">{_cell(value)}</td>' if index == 0 else f"<td>{_cell(value)}</td>"


def _compliance(report: dict[str, Any]) -> str:
    months = [f"{int(p[5:])}月" for p in report["periods"]]
    rows = [
        [
            r["department_name"],
            *(
                (COMPLIANCE_STATUS[r["months"][p]], "s-" + r["months"][p])
                for p in report["periods"]
            ),
            f"{r['on_time_months']}/{len(report['periods'])}",
            r["accepted"],
        ]
        for r in report["compliance"]
    ]
    return "<h2>一、行业部门预警数据推送情况</h2>" + _table(
        ["部门", *months, "按时推送月数", "受理预警条数"], rows, "compliance"
    )


def _tasks(report: dict[str, Any]) -> str:
    t = report["tasks"]
    rows = [
        ["新增核实任务", t["created"]],
        ["村级已核实上报", t["verified"]],
        ["乡镇确认办结", t["closed"]],
        ["办结率", _pct(t["closure_rate"])],
        ["退回县级", t["returned"]],
        ["逾期任务", t["overdue"]],
        ["核实用时中位数（小时）", t["median_hours_to_verify"]],
        ["核实用时第 90 百分位（小时）", t["p90_hours_to_verify"]],
    ]
    return "<h2>二、风险预警核实任务办理情况</h2>" + _table(["指标", "数值"], rows, "tasks")


def _timeliness(report: dict[str, Any]) -> str:
    labels = {"identification": "15 日内完成识别认定", "plan": "批准后 10 日内制定帮扶计划"}
    rows = [
        [labels[k], v["total"], v["on_time"], v["late"], _pct(v["rate"])]
        for k, v in report["timeliness"].items()
    ]
    return "<h2>三、识别认定与帮扶计划时效</h2>" + _table(
        ["事项", "办结数", "按时", "超时", "按时率"], rows, "timeliness"
    )


def _monitoring(report: dict[str, Any]) -> str:
    m = report["monitoring"]
    categories = [[r["value"], r["count"]] for r in m["by_category"]]
    risks = [[r["value"], r["count"]] for r in m["by_risk_type"]]
    towns = [[t["township_name"], t["total"]] for t in m["by_township"]]
    return (
        f"<h2>四、监测对象情况（现有 {m['total']} 户）</h2>"
        + _table(["监测对象类别", "户数"], categories, "by-category")
        + _table(["风险类型", "户数"], risks, "by-risk-type")
        + _table(["乡镇", "监测户数"], towns, "monitoring-townships")
        + '<p class="note">风险类型可多选，合计可能大于户数。</p>'
    )


def _rectification(report: dict[str, Any]) -> str:
    r = report["rectification"]
    rows = [
        [t["township_name"], t["recorded"], t["closed"], t["closed_on_time"], _pct(t["rate"])]
        for t in r["townships"]
    ]
    total = r["total"]
    rows.append(
        [
            "全县合计",
            total["recorded"],
            total["closed"],
            total["closed_on_time"],
            _pct(total["rate"]),
        ]
    )
    return "<h2>五、集中排查问题整改情况</h2>" + _table(
        ["乡镇", "问题数", "已整改销号", "按期整改", "整改完成率"], rows, "rectification"
    )


def _top_overdue(report: dict[str, Any]) -> str:
    rows = [
        [t["township_name"], t["overdue"], t["created"], t["closed"]] for t in report["top_overdue"]
    ]
    return "<h2>六、逾期任务较多的乡镇</h2>" + _table(
        ["乡镇", "逾期任务", "新增任务", "已办结"], rows, "top-overdue"
    )


def render_report(page: Template, report: dict[str, Any], generated_at: str) -> str:
    """The whole printable page."""
    year, number = report["quarter"].split("Q")
    periods = report["periods"]
    sections = "".join(
        part(report)
        for part in (_compliance, _tasks, _timeliness, _monitoring, _rectification, _top_overdue)
    )
    return page.substitute(
        county=escape(report["county_code"]),
        county_name=escape(report["county_name"]),
        quarter=escape(report["quarter"]),
        quarter_name=f"{year}年第{'一二三四'[int(number) - 1]}季度",
        period_range=f"{periods[0]} 至 {periods[-1]}",
        generated_at=escape(generated_at),
        sections=sections,
    )
