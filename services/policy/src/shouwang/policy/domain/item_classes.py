"""An item's class under a county's indicator thresholds: filed aside (`below_threshold`) or
routed to a township (a task or a signal).

A threshold key is a value field, optionally qualified by whom the minimum is for
(`self_paid_yuan.lifted`); warning sends each item with the qualifiers that applied to it, the
most specific first, and a minimum without a qualifier applies after them (as warning routes).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from shouwang.common.policy.resolution import EffectivePolicy

ItemClass = Literal["below_threshold", "routed"]
BELOW: ItemClass = "below_threshold"
ROUTED: ItemClass = "routed"


@dataclass(frozen=True)
class ItemFacts:
    """A filed item's place and numeric values (never the person)."""

    item_id: str
    batch_id: str
    county_code: str
    department: str
    period: str
    township_code: str
    village_code: str
    indicator: str
    values: Mapping[str, float]
    qualifiers: tuple[str, ...]


def item_class(thresholds: Mapping[str, float], item: ItemFacts) -> ItemClass:
    """`below_threshold` if a value falls short of the minimum that applies to the item."""
    order = (*item.qualifiers, "")
    for field, value in item.values.items():
        options = {
            key.partition(".")[2]: minimum
            for key, minimum in thresholds.items()
            if key.partition(".")[0] == field
        }
        minimum = next((options[q] for q in order if q in options), None)
        if minimum is not None and value < minimum:
            return BELOW
    return ROUTED


def class_change(
    item: ItemFacts, *, current: EffectivePolicy, proposed: EffectivePolicy
) -> dict[str, Any] | None:
    """The item with both classes if the proposal changes its class, else None."""
    before = item_class(current.thresholds(item.indicator), item)
    after = item_class(proposed.thresholds(item.indicator), item)
    if before == after:
        return None
    row = {**item.__dict__, "values": dict(item.values)}
    del row["qualifiers"]
    return {**row, "current_class": before, "proposed_class": after}
