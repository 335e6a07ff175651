"""A processed batch's thresholded values on `warning.indicators`, for policy's what-if.

Only items whose indicator has numeric value fields (a minimum can apply to them), in a known
village; per item its place, its numbers and the threshold qualifiers that applied to it, never
the person. Chunks of CHUNK items, staged in the processing transaction.
"""

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import BatchFiled, ItemIndicators
from shouwang.common.events.envelope import new_envelope
from shouwang.common.geography import Geography
from shouwang.common.policy.indicators import INDICATOR_VALUE_FIELDS
from shouwang.warning.adapters.registry import statuses_of
from shouwang.warning.adapters.repository import SOURCE
from shouwang.warning.domain.thresholds import qualifiers
from shouwang.warning.service.routing import REGISTRY_CLASSES

CHUNK = 500


async def publish_indicator_facts(
    uow: UnitOfWork,
    filed: BatchFiled,
    rows: Sequence[Mapping[Any, Any]],
    *,
    geography: Geography,
    now: datetime,
) -> int:
    """Stage `items.indicators` events for a batch's thresholded items; return how many items."""
    thresholded = [r for r in rows if INDICATOR_VALUE_FIELDS.get(r["indicator"])]
    if not thresholded:
        return 0
    # NOTE: the same "in the registry" that picked the item's minimum when it was routed
    refs = list({r["person_ref"] for r in thresholded})
    lifted = set(await statuses_of(uow.session, refs, statuses=REGISTRY_CLASSES))
    # NOTE: a batch names few villages: each looked up once, not once per item
    townships = {v: geography.township_of(v) for v in {r["village_code"] for r in thresholded}}
    facts = [
        fact
        for row in thresholded
        if (fact := _fact(row, filed.batch_id, townships, lifted)) is not None
    ]
    uow.publish(
        *(
            new_envelope(event, source=SOURCE, subject=filed.batch_id, time=now)
            for event in indicator_events(filed, facts)
        )
    )
    return len(facts)


def indicator_events(filed: BatchFiled, facts: list[dict[str, Any]]) -> list[ItemIndicators]:
    """The batch's item facts in events of at most CHUNK items."""
    head = filed.model_dump(include={"batch_id", "county_code", "department", "period"})
    return [
        ItemIndicators.model_validate({**head, "items": facts[start : start + CHUNK]})
        for start in range(0, len(facts), CHUNK)
    ]


def _fact(
    row: Mapping[Any, Any], batch_id: str, townships: Mapping[str, str | None], lifted: set[str]
) -> dict[str, Any] | None:
    township = townships[row["village_code"]]
    raw = row["values"]
    fields = INDICATOR_VALUE_FIELDS[row["indicator"]]
    values = {f: v for f in fields if (v := _number(raw.get(f))) is not None}
    if township is None or not values:
        return None  # held for the county (no township), or nothing a minimum can apply to
    applied = qualifiers(raw, lifted=row["person_ref"] in lifted)
    return {
        "item_id": f"{batch_id}:{row['idx']}",
        "township_code": township,
        "village_code": row["village_code"],
        "indicator": row["indicator"],
        "values": values,
        "qualifiers": [q for q in applied if q],
    }


def _number(raw: object) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = float(raw) if isinstance(raw, int | float) else float(str(raw))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
