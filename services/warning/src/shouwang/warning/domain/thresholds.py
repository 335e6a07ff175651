"""Which of an indicator's minimums applies to an item, and whether the item reaches it.

A threshold key is a value field, optionally qualified by whom the minimum is for
(DESIGN "Rules", 医保): `self_paid_yuan.lifted` (脱贫人口 and the registry's monitored people),
`self_paid_yuan.rural` (other rural residents), `self_paid_yuan.outpatient_monthly` (out-patient).
"""

from collections.abc import Mapping
from typing import Any

OUTPATIENT = "outpatient_monthly"
PLAIN = ""


def qualifiers(values: Mapping[str, Any], *, lifted: bool) -> tuple[str, ...]:
    """The qualifiers that apply to an item, the most specific first."""
    group = "lifted" if lifted else "rural"
    if values.get("care") == "outpatient":
        return (OUTPATIENT, group, PLAIN)
    return (group, PLAIN)


Minimums = dict[str, dict[str, tuple[str, float]]]  # field -> qualifier -> (key, minimum)


def by_field(thresholds: Mapping[str, float]) -> Minimums:
    """Group an indicator's threshold keys by value field and qualifier."""
    grouped: Minimums = {}
    for key, minimum in thresholds.items():
        field, _, qualifier = key.partition(".")
        grouped.setdefault(field, {})[qualifier] = (key, minimum)
    return grouped


def shortfall(
    grouped: Minimums, values: Mapping[str, Any], *, lifted: bool
) -> dict[str, float] | None:
    """The minimums (grouped by `by_field`) an item does not reach, or None if it reaches all."""
    order = qualifiers(values, lifted=lifted)
    missed: dict[str, float] = {}
    for field, options in grouped.items():
        chosen = next((options[q] for q in order if q in options), None)
        value = _number(values.get(field))
        if chosen is not None and value is not None and value < chosen[1]:
            missed[chosen[0]] = chosen[1]
    return missed or None


def _number(raw: object) -> float | None:
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    try:
        return float(str(raw))
    except ValueError:
        return None
