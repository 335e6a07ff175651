"""Chinese names and readable values of the policy settings (display only; the API is the truth)."""

from collections.abc import Mapping
from typing import Any

SETTINGS = {
    "monitoring_line_yuan": "防止返贫监测线（元/人/年）",
    "lifted_average_yuan": "脱贫人口人均纯收入（元/人/年）",
    "push_window": "部门数据推送窗口",
    "deadlines": "办理时限",
    "amber_ratio": "临期提醒比例",
    "indicator_thresholds": "部门预警指标阈值",
    "annualisation": "收入年化口径",
    "expense_surge_ratio": "支出骤增比例",
    "elimination_schedule": "风险消除季度办理时间",
}
DEADLINES = {
    "declaration_accept_days": "农户申报受理时限",
    "declaration_visit_working_days": "申报入户核实时限",
    "assign": "乡镇分派时限",
    "assign_days": "乡镇分派时限",
    "assign_working_days": "乡镇分派时限",
    "report": "村级核实上报时限",
    "report_days": "村级核实上报时限",
    "report_working_days": "村级核实上报时限",
    "identification": "识别认定时限",
    "identification_days": "识别认定时限",
    "identification_working_days": "识别认定时限",
    "plan_days": "帮扶计划制定时限",
    "notice_days": "公示期",
}
UNITS = {"days": "自然日", "working_days": "工作日"}
SOURCES = {"national": "国家", "province": "省", "county": "县"}
INDICATORS = {
    "large_medical_expense": "大额医疗自付费用",
    "serious_illness": "新发大病",
    "large_medical_expense_health": "大额医疗费用",
    "dropout": "辍学",
    "education_burden": "高中/职业教育负担重",
    "unsafe_house": "危房",
    "water_insecurity": "饮水不安全",
    "job_loss": "失业/务工收入骤减",
    "social_assistance_change": "新纳入低保/特困/临时救助",
    "new_severe_disability": "新增重度残疾",
    "disaster_loss": "灾害损失",
    "traffic_accident": "交通事故",
}
VALUE_FIELDS = {
    "self_paid_yuan": "自付金额（元）",
    "net_cost_yuan": "年净支出（元）",
    "cut_days": "断水天数",
    "income_drop_yuan": "收入减少（元）",
    "loss_yuan": "损失金额（元）",
}
GROUPS = {"lifted": "脱贫户", "rural": "农村一般户", "outpatient_monthly": "门诊月度"}
MONTH_END = "month_end"


def threshold_name(indicator: str, key: str) -> str:
    """The Chinese name of one minimum: 大额医疗自付费用 · 自付金额（元） · 脱贫户."""
    return f"{INDICATORS.get(indicator, indicator)} · {threshold_key(key)}"


def threshold_key(key: str) -> str:
    """`self_paid_yuan.lifted` → 自付金额（元） · 脱贫户."""
    base, _, group = key.partition(".")
    name = VALUE_FIELDS.get(base, base)
    return f"{name} · {GROUPS.get(group, group)}" if group else name


def deadline_unit(name: str) -> str:
    """The unit a deadline's name counts in."""
    return "working_days" if name.endswith("working_days") else "days"


def number(value: Any) -> str:
    """A number without a needless `.0`, with thousands separators."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def show(setting: str, value: Any, sub: str | None = None) -> str:
    """A setting's value as a sentence fragment (`sub`: the deadline or indicator)."""
    if setting in ("monitoring_line_yuan", "lifted_average_yuan"):
        return f"{number(value)} 元"
    if setting == "push_window" and isinstance(value, Mapping):
        close = "月末" if value.get("close") == MONTH_END else f" {value.get('close_day')} 日"
        return f"每月 {value.get('open_day')} 日至{close}"
    if setting == "deadlines" and sub is not None:
        return f"{value} 个{UNITS[deadline_unit(sub)]}"
    if setting in ("amber_ratio", "expense_surge_ratio") and isinstance(value, int | float):
        return f"{number(value)}（{number(round(value * 100, 1))}%）"
    if setting == "indicator_thresholds" and isinstance(value, Mapping) and sub is not None:
        return "；".join(f"{threshold_key(k)} ≥ {number(v)}" for k, v in value.items())
    if setting == "elimination_schedule" and isinstance(value, Mapping):
        return _schedule(value)
    if setting == "annualisation":
        if value == "calendar_year":
            return "自然年（1 月至 12 月）"
        if isinstance(value, Mapping):
            return f"{value.get('from_month')} 月至{_next_year(value)}{value.get('to_month')} 月"
    return str(value)


def _schedule(value: Mapping[str, Any]) -> str:
    months = "、".join(str(m) for m in value.get("months") or [])
    return (f"每年 {months} 月：{value.get('prejudge_from_day')}–{value.get('prejudge_to_day')} 日"
            f"预判，{value.get('review_from_day')} 日起至月末村级民主评议")  # fmt: skip


def _next_year(span: Mapping[str, Any]) -> str:
    return "次年 " if int(span.get("to_month", 12)) < int(span.get("from_month", 1)) else ""


def setting_name(setting: str, sub: str | None = None) -> str:
    """The Chinese name of a setting, of one of its deadlines or of an indicator's thresholds."""
    if setting == "deadlines" and sub is not None:
        return DEADLINES.get(sub, sub)
    if setting == "indicator_thresholds" and sub is not None:
        return f"{INDICATORS.get(sub, sub)}阈值"
    return SETTINGS.get(setting, setting)


def describe(settings: Mapping[str, Any]) -> list[str]:
    """A version's (partial) settings as `name：value` lines, for the history."""
    lines = []
    for name, value in settings.items():
        if name in ("deadlines", "indicator_thresholds") and isinstance(value, Mapping):
            lines += [f"{setting_name(name, s)}：{show(name, v, s)}" for s, v in value.items()]
        else:
            lines.append(f"{setting_name(name)}：{show(name, value)}")
    return lines


def effective_rows(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The API's effective settings as table rows: a whole setting, or one deadline or indicator."""
    ordered = [n for n in SETTINGS if n in settings] + [n for n in settings if n not in SETTINGS]
    rows = []
    for name in ordered:
        entry = settings[name]
        if isinstance(entry, Mapping) and "source" in entry:
            rows.append(_row(name, None, entry))
        elif isinstance(entry, Mapping):
            rows += [_row(name, sub, e) for sub, e in entry.items() if isinstance(e, Mapping)]
    return rows


def _row(name: str, sub: str | None, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key": f"{name}.{sub}" if sub else name,
        "name": setting_name(name, sub),
        "value": show(name, entry.get("value"), sub),
        "source": entry.get("source"),
        "version": entry.get("version"),
        "effective_from": entry.get("effective_from"),
    }


def actor(key: str) -> str:
    """`county:li-wei` → 县级 · li-wei."""
    role, _, sub = key.partition(":")
    short = {"county": "县级", "province": "省级"}.get(role, role)
    return f"{short} · {sub}" if sub else short


# what-if (API.md "Policy (v1.1)"): household flags, item classes, the direction of a change
FLAGS = {"below_monitoring_line": "低于监测线", "below_lifted_average": "低于脱贫人口平均收入"}
CHANGES = {"gained": "新增", "lost": "不再"}
ITEM_CLASSES = {
    "new": "新发现（派发核实）",
    "routed": "派发核实",
    "monitored": "已纳入监测",
    "lifted": "脱贫户",
    "eliminated": "风险已消除",
    "open_task": "已有在办任务",
    "below_threshold": "低于阈值（不派发）",
}
CALENDAR_SOURCES = {
    "national": "国家发布（种子数据）",
    "province": "本省录入",
    "fallback": "未录入",
}
