"""Lanes: the independent parts of one poll, handled concurrently on sessions of their own.

Events of one lane keep their order and run one transaction after the other; lanes share no
lock, so their transactions cannot wait on each other. A lane commits every `per_transaction`
units of work (its events' weights), so what it routed becomes visible, and leaves through the
relay, while the rest of the poll is still being handled.
"""

from collections.abc import Callable
from dataclasses import dataclass

from shouwang.common.events.envelope import EventEnvelope


def _one(_: EventEnvelope) -> int:
    return 1


@dataclass(frozen=True)
class Lanes:
    """How a consumer splits a poll: `key` names an event's lane (same key, same order)."""

    key: Callable[[EventEnvelope], str]
    weight: Callable[[EventEnvelope], int] = _one
    per_transaction: int = 500
    concurrency: int = 4


def split(lanes: Lanes, envelopes: list[EventEnvelope]) -> list[list[list[EventEnvelope]]]:
    """Each lane's events (in poll order) cut into transactions of about `per_transaction`."""
    by_key: dict[str, list[list[EventEnvelope]]] = {}
    weights: dict[str, int] = {}
    for envelope in envelopes:
        key = lanes.key(envelope)
        chunks = by_key.setdefault(key, [[]])
        if chunks[-1] and weights[key] >= lanes.per_transaction:
            chunks.append([])
            weights[key] = 0
        chunks[-1].append(envelope)
        weights[key] = weights.get(key, 0) + lanes.weight(envelope)
    return list(by_key.values())
