"""A proposed change as one more version at the caller's layer, and its settings side by side."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from shouwang.common.policy.resolution import EffectivePolicy, PolicyVersion
from shouwang.common.policy.settings import VARIANT_DEADLINES, units

WHAT_IF_ACTOR = "what-if"


def proposed_version(
    versions: Iterable[PolicyVersion], *, region_code: str, settings: Mapping[str, Any], on: date
) -> PolicyVersion:
    """The proposal as the layer's next version, in force on `on` (so it wins over the layer's
    own versions; a county's own override still wins over a province's proposal)."""
    latest = max((v.version for v in versions if v.region_code == region_code), default=0)
    return PolicyVersion(
        region_code=region_code, version=latest + 1, effective_from=on, settings=settings,
        actor=WHAT_IF_ACTOR, reason=WHAT_IF_ACTOR,
    )  # fmt: skip


def compared_settings(
    settings: Mapping[str, Any], *, current: EffectivePolicy, proposed: EffectivePolicy
) -> dict[str, dict[str, Any]]:
    """Each proposed setting's effective value now and under the proposal (nested settings:
    only the deadlines or indicators proposed)."""
    result: dict[str, dict[str, Any]] = {}
    for unit in units(settings):
        name = unit[0]
        pair = result.setdefault(name, {"current": {}, "proposed": {}})
        for side, policy in (("current", current), ("proposed", proposed)):
            entry = policy.entries.get(unit)
            value = entry.value if entry else None
            if len(unit) == 1:
                pair[side] = value
            elif unit[1] in VARIANT_DEADLINES:  # {"identification_days": 15}: either unit
                pair[side].update(value or {})
            else:
                pair[side][unit[1]] = value
    return result
