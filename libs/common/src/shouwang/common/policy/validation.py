"""Validate a partial settings dict into its normalised form; every problem names its field."""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from shouwang.common.policy.indicators import INDICATOR_VALUE_FIELDS, value_field_base
from shouwang.common.policy.settings import DEADLINE_NAMES, MONTH_END, VARIANT_DEADLINES

MAX_DEADLINE_DAYS = 365
# a window day that exists in every month; later closes are written {"close": "month_end"}
LAST_COMMON_DAY = 28


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


class PolicyInvalid(Exception):
    """The settings break one or more rules; `problems` names each field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(p.field for p in problems))
        self.problems = problems


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(field, code, f"{field}：{message}"))

    def number(self, field: str, raw: Any, *, positive: bool = True) -> float | None:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(field, "not_a_number", "应为数字")
            return None
        if raw <= 0 if positive else raw < 0:
            self.fail(field, "not_positive" if positive else "negative_value",
                      "应大于 0" if positive else "不能为负数")  # fmt: skip
            return None
        return float(raw)

    def integer(self, field: str, raw: Any, low: int, high: int) -> int | None:
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.fail(field, "not_an_integer", "应为整数")
            return None
        if not low <= raw <= high:
            self.fail(field, "out_of_range", f"应在 {low} 至 {high} 之间")
            return None
        return raw

    def mapping(self, field: str, raw: Any) -> Mapping[str, Any] | None:
        if not isinstance(raw, Mapping):
            self.fail(field, "not_an_object", "应为对象")
            return None
        return raw


def validate_settings(
    raw: Any, *, indicators: Mapping[str, Collection[str]] = INDICATOR_VALUE_FIELDS
) -> dict[str, Any]:
    """Return the normalised partial settings, or raise PolicyInvalid naming every bad field."""
    check = _Checker()
    settings = check.mapping("settings", raw)
    if settings is not None and not settings:
        check.fail("settings", "empty_settings", "至少需要修改一项设置")
    result: dict[str, Any] = {}
    for name, value in (settings or {}).items():
        reader = _READERS.get(name)
        if reader is None:
            check.fail(name, "unknown_setting", "未知的政策设置项")
            continue
        normalised = reader(check, name, value, indicators)
        if normalised is not None:
            result[name] = normalised
    if check.problems:
        raise PolicyInvalid(check.problems)
    return result


Reader = Callable[[_Checker, str, Any, Mapping[str, Collection[str]]], Any]


def _amount(check: _Checker, field: str, raw: Any, _: Any) -> float | None:
    return check.number(field, raw)


def _ratio(check: _Checker, field: str, raw: Any, _: Any) -> float | None:
    value = check.number(field, raw)
    if value is not None and field == "amber_ratio" and value >= 1:
        check.fail(field, "out_of_range", "应大于 0 且小于 1")
        return None
    return value


def _push_window(check: _Checker, field: str, raw: Any, _: Any) -> dict[str, Any] | None:
    window = check.mapping(field, raw)
    if window is None:
        return None
    unknown = set(window) - {"open_day", "close_day", "close"}
    for key in sorted(unknown):
        check.fail(f"{field}.{key}", "unknown_field", "不允许的字段")
    open_day = check.integer(f"{field}.open_day", window.get("open_day", 1), 1, LAST_COMMON_DAY)
    if "close" in window:
        return _month_end_window(check, field, window, open_day)
    if "close_day" not in window:
        check.fail(f"{field}.close_day", "missing", "缺少必填字段（或写 close: month_end）")
        return None
    close_day = _close_day(check, f"{field}.close_day", window["close_day"])
    if open_day is None or close_day is None or unknown:
        return None
    if close_day < open_day:
        check.fail(f"{field}.close_day", "close_before_open", "截止日不能早于开始日")
        return None
    return {"open_day": open_day, "close_day": close_day}


def _close_day(check: _Checker, field: str, raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and LAST_COMMON_DAY < raw <= 31:
        check.fail(field, "day_not_in_every_month",
                   f"{raw} 日并非每月都有，月末截止请写 close: month_end")  # fmt: skip
        return None
    return check.integer(field, raw, 1, LAST_COMMON_DAY)


def _month_end_window(
    check: _Checker, field: str, window: Mapping[str, Any], open_day: int | None
) -> dict[str, Any] | None:
    if window["close"] != MONTH_END:
        check.fail(f"{field}.close", "invalid_choice", "只能为 month_end")
        return None
    if "close_day" in window:
        check.fail(f"{field}.close_day", "conflicting_fields", "close 与 close_day 只能填一个")
        return None
    return None if open_day is None else {"open_day": open_day, "close": MONTH_END}


def _deadlines(check: _Checker, field: str, raw: Any, _: Any) -> dict[str, int] | None:
    deadlines = check.mapping(field, raw)
    if deadlines is None:
        return None
    result: dict[str, int] = {}
    for name, days in deadlines.items():
        if name not in DEADLINE_NAMES:
            check.fail(f"{field}.{name}", "unknown_field", "未知的时限设置项")
            continue
        value = check.integer(f"{field}.{name}", days, 1, MAX_DEADLINE_DAYS)
        if value is not None:
            result[name] = value
    for days, working in VARIANT_DEADLINES.values():
        if days in deadlines and working in deadlines:
            check.fail(f"{field}.{working}", "conflicting_fields",
                       f"{days} 与 {working} 只能填一个")  # fmt: skip
    return result or None


def _thresholds(
    check: _Checker, field: str, raw: Any, indicators: Mapping[str, Collection[str]]
) -> dict[str, dict[str, float]] | None:
    thresholds = check.mapping(field, raw)
    result: dict[str, dict[str, float]] = {}
    for indicator, minimums in (thresholds or {}).items():
        path = f"{field}.{indicator}"
        if indicator not in indicators:
            check.fail(path, "unknown_indicator", "未知的部门预警指标")
            continue
        entries = check.mapping(path, minimums)
        result[indicator] = _minimums(check, path, entries or {}, indicators[indicator])
    return result or None


def _minimums(
    check: _Checker, path: str, entries: Mapping[str, Any], fields: Collection[str]
) -> dict[str, float]:
    result: dict[str, float] = {}
    for key, minimum in entries.items():
        if value_field_base(key) not in fields:
            check.fail(f"{path}.{key}", "unknown_value_field", "该指标没有此数值字段")
            continue
        value = check.number(f"{path}.{key}", minimum, positive=False)
        if value is not None:
            result[key] = value
    if not entries:
        check.fail(path, "empty_thresholds", "至少需要一个阈值")
    return result


def _annualisation(check: _Checker, field: str, raw: Any, _: Any) -> Any:
    if raw == "calendar_year":
        return raw
    span = check.mapping(field, raw)
    if span is None:
        return None
    first = check.integer(f"{field}.from_month", span.get("from_month"), 1, 12)
    last = check.integer(f"{field}.to_month", span.get("to_month"), 1, 12)
    if first is None or last is None:
        return None
    return {"from_month": first, "to_month": last}


SCHEDULE_DAYS = ("prejudge_from_day", "prejudge_to_day", "review_from_day")


def _elimination_schedule(check: _Checker, field: str, raw: Any, _: Any) -> dict[str, Any] | None:
    """Months of the quarterly steps and their days; a day past a month's end means its last."""
    schedule = check.mapping(field, raw)
    if schedule is None:
        return None
    for key in sorted(set(schedule) - {"months", *SCHEDULE_DAYS}):
        check.fail(f"{field}.{key}", "unknown_field", "不允许的字段")
    months = _schedule_months(check, f"{field}.months", schedule.get("months"))
    days: dict[str, int | None] = {}
    for key in SCHEDULE_DAYS:
        if key not in schedule:
            check.fail(f"{field}.{key}", "missing", "缺少必填字段")
            days[key] = None
        else:
            days[key] = check.integer(f"{field}.{key}", schedule[key], 1, 31)
    first, last, review = (days[key] for key in SCHEDULE_DAYS)
    if first is not None and last is not None and last < first:
        check.fail(f"{field}.prejudge_to_day", "close_before_open", "预判截止日不能早于开始日")
        return None
    if last is not None and review is not None and review <= last:
        check.fail(f"{field}.review_from_day", "review_before_prejudge",
                   "村级民主评议须在预判结束之后开始")  # fmt: skip
        return None
    if months is None or None in days.values() or set(schedule) - {"months", *SCHEDULE_DAYS}:
        return None
    return {"months": months, **days}


def _schedule_months(check: _Checker, field: str, raw: Any) -> list[int] | None:
    if raw is None:
        check.fail(field, "missing", "缺少必填字段")
        return None
    if not isinstance(raw, list) or not raw:
        check.fail(field, "not_a_list", "应为非空的月份列表")
        return None
    months = [check.integer(field, month, 1, 12) for month in raw]
    if None in months:
        return None
    if len(set(months)) != len(months):
        check.fail(field, "duplicate_month", "月份不能重复")
        return None
    return sorted(m for m in months if m is not None)


_READERS: dict[str, Reader] = {
    "monitoring_line_yuan": _amount,
    "lifted_average_yuan": _amount,
    "push_window": _push_window,
    "deadlines": _deadlines,
    "amber_ratio": _ratio,
    "indicator_thresholds": _thresholds,
    "annualisation": _annualisation,
    "expense_surge_ratio": _ratio,
    "elimination_schedule": _elimination_schedule,
}
