"""Layered resolution: per unit, the newest version in force, county over province over national."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shouwang.common.policy.national import NATIONAL
from shouwang.common.policy.settings import (
    VARIANT_DEADLINES,
    Annualisation,
    Deadline,
    EliminationSchedule,
    PushWindow,
    Source,
    Unit,
    annualisation,
    elimination_schedule,
    push_window,
    units,
    variant_group,
)

PROVINCE_LENGTH, COUNTY_LENGTH = 2, 6


@dataclass(frozen=True)
class PolicyVersion:
    """One recorded change of a region's settings (partial, normalised)."""

    region_code: str
    version: int
    effective_from: date
    settings: Mapping[str, Any]
    actor: str = ""
    reason: str = ""


@dataclass(frozen=True)
class EffectiveValue:
    value: Any
    source: Source
    version: int  # 0 for the national defaults in code
    effective_from: date | None  # None for the national defaults in code

    def as_json(self) -> dict[str, Any]:
        """The value with where it comes from, as the API shows it."""
        since = self.effective_from.isoformat() if self.effective_from else None
        return {"value": self.value, "source": self.source, "version": self.version,
                "effective_from": since}  # fmt: skip


@dataclass(frozen=True)
class EffectivePolicy:
    """Every setting's effective value for one region on one date."""

    region_code: str
    on: date
    entries: Mapping[Unit, EffectiveValue] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        """The plain value of a whole setting (`monitoring_line_yuan`, `amber_ratio`, ...)."""
        return self.entries[(name,)].value

    def deadline(self, name: str) -> Deadline:
        """A deadline by name; `identification`, `assign`, `report` answer in either unit."""
        group = variant_group(name)
        if group is None:
            value = self.entries[("deadlines", name)].value
            return Deadline(value, working=name.endswith("working_days"))
        ((variant, days),) = self.entries[("deadlines", group)].value.items()
        return Deadline(days, working=variant.endswith("working_days"))

    def thresholds(self, indicator: str) -> dict[str, float]:
        """An indicator's minimums (empty when neither layer sets any)."""
        entry = self.entries.get(("indicator_thresholds", indicator))
        return dict(entry.value) if entry else {}

    @property
    def push_window(self) -> PushWindow:
        return push_window(self.value("push_window"))

    @property
    def annualisation(self) -> Annualisation:
        return annualisation(self.value("annualisation"))

    @property
    def elimination_schedule(self) -> EliminationSchedule:
        return elimination_schedule(self.value("elimination_schedule"))

    def as_json(self) -> dict[str, Any]:
        """The nested shape of the API: settings -> value, source, version, effective_from."""
        result: dict[str, Any] = {"deadlines": {}, "indicator_thresholds": {}}
        for unit, entry in sorted(self.entries.items()):
            if len(unit) == 1:
                result[unit[0]] = entry.as_json()
            elif unit[0] == "deadlines" and unit[1] in VARIANT_DEADLINES:
                ((variant, days),) = entry.value.items()
                result["deadlines"][variant] = {**entry.as_json(), "value": days}
            else:
                result[unit[0]][unit[1]] = entry.as_json()
        return result


def layers_of(region_code: str) -> list[tuple[Source, str]]:
    """The regions whose versions apply to a region, most general first."""
    found: list[tuple[Source, str]] = []
    if len(region_code) >= PROVINCE_LENGTH:
        found.append(("province", region_code[:PROVINCE_LENGTH]))
    if len(region_code) >= COUNTY_LENGTH:
        found.append(("county", region_code[:COUNTY_LENGTH]))
    return found


def resolve(versions: Iterable[PolicyVersion], *, region_code: str, on: date) -> EffectivePolicy:
    """Resolve every unit for a region on a date from the versions of its layers."""
    entries: dict[Unit, EffectiveValue] = {
        unit: EffectiveValue(value, "national", 0, None) for unit, value in units(NATIONAL).items()
    }
    by_region: dict[str, list[PolicyVersion]] = {}
    for version in versions:
        by_region.setdefault(version.region_code, []).append(version)
    for source, code in layers_of(region_code):
        entries.update(_layer(by_region.get(code, []), source, on))
    return EffectivePolicy(region_code=region_code, on=on, entries=entries)


def _layer(versions: list[PolicyVersion], source: Source, on: date) -> dict[Unit, EffectiveValue]:
    """One layer's units: a later version in force overrides an earlier one unit by unit."""
    result: dict[Unit, EffectiveValue] = {}
    in_force = sorted((v for v in versions if v.effective_from <= on), key=lambda v: v.version)
    for version in in_force:
        for unit, value in units(version.settings).items():
            result[unit] = EffectiveValue(value, source, version.version, version.effective_from)
    return result
