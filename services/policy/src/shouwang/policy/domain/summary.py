"""The what-if's changes counted per township and in total."""

from collections.abc import Callable, Iterable
from typing import Any

COUNTS = ("households_gained", "households_lost", "items_to_below_threshold", "items_to_routed")


def per_township(
    households: Iterable[dict[str, Any]],
    items: Iterable[dict[str, Any]],
    *,
    name_of: Callable[[str], str | None],
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Townships with at least one change (by code) and the totals."""
    counts: dict[str, dict[str, int]] = {}

    def add(township: str, key: str) -> None:
        counts.setdefault(township, dict.fromkeys(COUNTS, 0))[key] += 1

    for row in households:
        add(row["township_code"], f"households_{row['change']}")
    for row in items:
        add(row["township_code"], f"items_to_{row['proposed_class']}")
    townships = [
        {"township_code": code, "township_name": name_of(code), **counts[code]}
        for code in sorted(counts)
    ]
    totals = {key: sum(c[key] for c in counts.values()) for key in COUNTS}
    return townships, totals
