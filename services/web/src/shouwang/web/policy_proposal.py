"""The change form read back: the partial settings that differ, and the API's 422 per field."""

import re
from collections.abc import Callable, Mapping
from typing import Any

from shouwang.common.policy.settings import variant_group
from shouwang.web.client import UpstreamError
from shouwang.web.policy_form import GENERAL, Form, differs, parse_number
from shouwang.web.policy_labels import MONTH_END, UNITS, deadline_unit

Reader = Callable[[str, Any, Form], Any]  # setting, effective entry, form -> new value or None


def _scalar(name: str, entry: Mapping[str, Any], form: Form) -> Any:
    value = parse_number(form.get(name))
    return value if value is not None and differs(value, entry.get("value")) else None


def _push_window(name: str, entry: Mapping[str, Any], form: Form) -> Any:
    current = dict(entry.get("value") or {})
    open_day = parse_number(form.get(f"{name}.open_day"))
    proposed: dict[str, Any] = {
        "open_day": current.get("open_day") if open_day is None else open_day
    }
    if f"{name}.month_end" in form:
        proposed["close"] = MONTH_END
    else:
        close_day = parse_number(form.get(f"{name}.close_day"))
        close_day = current.get("close_day") if close_day is None else close_day
        if close_day is not None:  # none at all: the API says the close day is missing
            proposed["close_day"] = close_day
    return proposed if proposed != current else None


def _deadlines(name: str, entry: Mapping[str, Any], form: Form) -> Any:
    changed: dict[str, Any] = {}
    for deadline, e in entry.items():
        group = variant_group(deadline)
        key = f"{name}.{group or deadline}"
        days = parse_number(form.get(key))
        days = e.get("value") if days is None else days
        sent = deadline
        if group:
            unit = form.get(f"{key}.unit") or deadline_unit(deadline)
            sent = f"{group}_{unit}" if unit in UNITS else deadline
        if sent != deadline or differs(days, e.get("value")):
            changed[sent] = days
    return changed or None


def _thresholds(name: str, entry: Mapping[str, Any], form: Form) -> Any:
    changed: dict[str, Any] = {}
    for indicator, e in entry.items():
        current = dict(e.get("value") or {})
        proposed = {}
        for key, minimum in current.items():
            typed = parse_number(form.get(f"{name}.{indicator}.{key}"))
            proposed[key] = minimum if typed is None else typed
        if any(differs(proposed[k], current[k]) for k in current):
            changed[indicator] = proposed  # an indicator's minimums resolve as one unit
    return changed or None


def _annualisation(name: str, entry: Mapping[str, Any], form: Form) -> Any:
    mode = form.get(f"{name}.mode")
    if mode == "calendar_year":
        proposed: Any = "calendar_year"
    elif mode == "span":
        months = {k: parse_number(form.get(f"{name}.{k}")) for k in ("from_month", "to_month")}
        proposed = {k: v for k, v in months.items() if v is not None}
    else:
        return None
    return proposed if proposed != entry.get("value") else None


def _schedule(name: str, entry: Mapping[str, Any], form: Form) -> Any:
    current = dict(entry.get("value") or {})
    proposed = dict(current)
    months = (form.get(f"{name}.months") or "").strip()
    if months:
        proposed["months"] = [parse_number(m) for m in re.split(r"[,，、\s]+", months) if m]
    for key in ("prejudge_from_day", "prejudge_to_day", "review_from_day"):
        typed = parse_number(form.get(f"{name}.{key}"))
        proposed[key] = proposed.get(key) if typed is None else typed
    return proposed if proposed != current else None


_READERS: dict[str, Reader] = {
    "push_window": _push_window,
    "deadlines": _deadlines,
    "indicator_thresholds": _thresholds,
    "annualisation": _annualisation,
    "elimination_schedule": _schedule,
}


def proposal(settings: Mapping[str, Any], form: Form) -> dict[str, Any]:
    """The partial settings of the form: each setting whose value differs from the effective."""
    result = {}
    for name, entry in settings.items():
        reader: Reader = _READERS.get(name) or _scalar
        value = reader(name, entry, form) if isinstance(entry, Mapping) else None
        if value is not None:
            result[name] = value
    return result


_RENAMED = {"push_window.close": "push_window.month_end", "annualisation": "annualisation.mode"}


def form_name(api_field: str) -> str:
    """The input an API field path is shown next to."""
    path = api_field.removeprefix("settings.")
    head, _, rest = path.partition(".")
    if head == "deadlines" and (group := variant_group(rest)):
        return f"deadlines.{group}"
    return {
        "push_window.close": "push_window.month_end",
        "annualisation": "annualisation.mode",
    }.get(path, path)


def _message(message: str, api_field: str) -> str:
    """`push_window.close_day：截止日不能早于开始日` → the part after the field's own name."""
    for prefix in (api_field, api_field.removeprefix("settings.")):
        for mark in ("：", ": "):
            if message.startswith(prefix + mark):
                return message[len(prefix) + len(mark) :]
    return message


def field_errors(exc: UpstreamError, names: set[str]) -> dict[str, str]:
    """The API's errors by form field; those of no field of the form under GENERAL."""
    details = exc.details if isinstance(exc.details, list) else []
    entries = [d for d in details if isinstance(d, dict) and d.get("field")]
    if not entries:
        entries = [{"field": exc.field or "", "message": exc.message}]
    errors: dict[str, str] = {}
    for entry in entries:
        raw, message = str(entry["field"]), str(entry.get("message") or exc.message)
        name = form_name(raw)
        if name in names:
            errors.setdefault(name, _message(message, raw))
        else:
            errors[GENERAL] = "；".join(filter(None, [errors.get(GENERAL), message]))
    return errors
