"""Small numeric helpers shared by the cases."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float], *, unit: str = "ms") -> dict[str, float | int | None]:
    """count, p50, p90, p99, max and mean of latencies, in ms (or s)."""
    scale = 1000.0 if unit == "ms" else 1.0

    def conv(value: float | None) -> float | None:
        return None if value is None else round(value * scale, 2 if unit == "ms" else 3)

    return {
        "count": len(seconds),
        f"p50_{unit}": conv(percentile(seconds, 50)),
        f"p90_{unit}": conv(percentile(seconds, 90)),
        f"p99_{unit}": conv(percentile(seconds, 99)),
        f"max_{unit}": conv(max(seconds) if seconds else None),
        f"mean_{unit}": conv(sum(seconds) / len(seconds) if seconds else None),
    }


def downsample(points: Sequence[tuple[float, float]], limit: int = 200) -> list[list[float]]:
    """At most `limit` evenly spaced points (the last one kept), rounded for JSON."""
    if not points:
        return []
    step = max(1, math.ceil(len(points) / limit))
    picked = list(points[::step])
    if picked[-1] != points[-1]:
        picked.append(points[-1])
    return [[round(x, 3), round(y, 3)] for x, y in picked]


def rate(count: float, seconds: float) -> float:
    """count / seconds, rounded (0 when no time passed)."""
    return round(count / seconds, 1) if seconds > 0 else 0.0
