"""The policy change form: fields prefilled from the effective values, and the partial it sends.

A field's name is the API's path of the value (`push_window.close_day`, `deadlines.plan_days`,
`indicator_thresholds.large_medical_expense.self_paid_yuan.lifted`), so a 422 naming a field
comes back next to it. Only what differs from the effective value is sent; a threshold or a
deadline unit is sent whole, since the policy store resolves them as one unit each.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from shouwang.common.policy.settings import variant_group
from shouwang.web.policy_labels import (
    DEADLINES,
    MONTH_END,
    SETTINGS,
    UNITS,
    deadline_unit,
    setting_name,
    threshold_name,
)

Kind = Literal["amount", "ratio", "integer", "flag", "choice", "text"]
Form = Mapping[str, str]
SPAN_MODES = (("calendar_year", "自然年（1 月至 12 月）"), ("span", "跨年度（自定起止月）"))
GENERAL = "_form"  # errors the page shows above the form
RATIO_HINTS = {
    "amber_ratio": "0 至 1 之间的小数：如 0.8 表示时限用去 80% 时转为临期",
    "expense_surge_ratio": "如 0.5 表示支出较上年增加 50% 即为骤增",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind
    value: str  # as the input shows it
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class Section:
    setting: str
    title: str
    fields: tuple[Field, ...]


def parse_number(raw: str | None) -> Any:
    """A typed number (None when left blank); text that is no number goes to the API as it is."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return text  # the API answers 422 naming the field: 应为数字
    if not math.isfinite(value):
        return text
    return int(value) if value.is_integer() else value


def differs(proposed: Any, current: Any) -> bool:
    """True unless equal (numbers by value: 7300 equals 7300.0)."""
    numbers = (int, float)
    if isinstance(proposed, numbers) and isinstance(current, numbers):
        return float(proposed) != float(current)
    return bool(proposed != current)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ------------------------------------------------------------------------------- the fields


def _scalar(name: str, entry: Mapping[str, Any]) -> tuple[Field, ...]:
    kind: Kind = "ratio" if name.endswith("_ratio") else "amount"
    hint = RATIO_HINTS.get(name, "")
    return (Field(name, SETTINGS.get(name, name), kind, _text(entry.get("value")), hint=hint),)


def _push_window(name: str, entry: Mapping[str, Any]) -> tuple[Field, ...]:
    window = entry.get("value") or {}
    month_end = window.get("close") == MONTH_END
    return (
        Field(f"{name}.open_day", "每月开始日", "integer", _text(window.get("open_day"))),
        Field(
            f"{name}.close_day",
            "每月截止日（1–28）",
            "integer",
            _text(window.get("close_day")),
            hint="月末截止请勾选「每月最后一天截止」",
        ),  # fmt: skip
        Field(f"{name}.month_end", "每月最后一天截止", "flag", "1" if month_end else ""),
    )


def _deadlines(name: str, entry: Mapping[str, Any]) -> tuple[Field, ...]:
    fields: list[Field] = []
    for deadline, e in entry.items():
        group = variant_group(deadline)
        label = DEADLINES.get(deadline, deadline)
        key = f"{name}.{group or deadline}"
        unit = UNITS[deadline_unit(deadline)]
        fields.append(Field(key, f"{label}（{unit}）" if not group else label, "integer",
                            _text(e.get("value"))))  # fmt: skip
        if group:
            fields.append(Field(f"{key}.unit", f"{label}计日方式", "choice",
                                deadline_unit(deadline), tuple(UNITS.items())))  # fmt: skip
    return tuple(fields)


def _thresholds(name: str, entry: Mapping[str, Any]) -> tuple[Field, ...]:
    return tuple(
        Field(f"{name}.{indicator}.{key}", threshold_name(indicator, key), "amount", _text(v))
        for indicator, e in entry.items()
        for key, v in (e.get("value") or {}).items()
    )


def _annualisation(name: str, entry: Mapping[str, Any]) -> tuple[Field, ...]:
    value = entry.get("value")
    span = value if isinstance(value, Mapping) else {"from_month": 1, "to_month": 12}
    mode = "calendar_year" if value == "calendar_year" else "span"
    return (
        Field(f"{name}.mode", "年化口径", "choice", mode, SPAN_MODES),
        Field(f"{name}.from_month", "起始月", "integer", _text(span.get("from_month"))),
        Field(f"{name}.to_month", "截止月", "integer", _text(span.get("to_month"))),
    )


def _schedule(name: str, entry: Mapping[str, Any]) -> tuple[Field, ...]:
    value = entry.get("value") or {}
    months = ",".join(str(m) for m in value.get("months") or [])
    days = (("prejudge_from_day", "预判开始日"), ("prejudge_to_day", "预判截止日"),
            ("review_from_day", "村级民主评议开始日"))  # fmt: skip
    return (
        Field(f"{name}.months", "办理月份", "text", months, hint="用逗号分隔，如 3,6,9,12"),
        *(Field(f"{name}.{key}", label, "integer", _text(value.get(key))) for key, label in days),
    )


_FIELDS: dict[str, Callable[[str, Mapping[str, Any]], tuple[Field, ...]]] = {
    "push_window": _push_window,
    "deadlines": _deadlines,
    "indicator_thresholds": _thresholds,
    "annualisation": _annualisation,
    "elimination_schedule": _schedule,
}


def _is_number_entry(entry: Any) -> bool:
    value = entry.get("value") if isinstance(entry, Mapping) else None
    return isinstance(value, int | float) and not isinstance(value, bool)


def sections(settings: Mapping[str, Any], submitted: Form | None = None) -> list[Section]:
    """The form's fieldsets, prefilled from the effective values (or what the user sent)."""
    result = []
    for name in [n for n in SETTINGS if n in settings] + sorted(set(settings) - set(SETTINGS)):
        entry = settings[name]
        build = _FIELDS.get(name) or (_scalar if _is_number_entry(entry) else None)
        if build is None:
            continue  # a setting of a shape this page does not know: shown, not edited here
        fields = build(name, entry)
        if submitted is not None:
            fields = tuple(_resubmitted(f, submitted) for f in fields)
        result.append(Section(name, setting_name(name), fields))
    return result


def _resubmitted(field: Field, submitted: Form) -> Field:
    value = ("1" if field.name in submitted else "") if field.kind == "flag" else None
    value = value if value is not None else submitted.get(field.name, field.value)
    return Field(field.name, field.label, field.kind, value, field.choices, field.hint)


def field_names(form_sections: list[Section]) -> set[str]:
    """Every input's name, plus the version's own fields."""
    return {f.name for s in form_sections for f in s.fields} | {"effective_from", "reason"}
