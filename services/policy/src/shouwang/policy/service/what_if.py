"""What a proposed change would change, judged on the projected facts: which households' income
flags and which items' classes, per township. Nothing live changes: no version, no event."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from shouwang.common.policy.resolution import EffectivePolicy, PolicyVersion, resolve
from shouwang.common.policy.validation import validate_settings
from shouwang.policy.adapters import facts, store
from shouwang.policy.domain.commands import AskWhatIf
from shouwang.policy.domain.household_flags import FLAG_SETTINGS, HouseholdMonth, flag_changes
from shouwang.policy.domain.item_classes import ItemFacts, class_change
from shouwang.policy.domain.proposal import compared_settings, proposed_version
from shouwang.policy.domain.summary import per_township
from shouwang.policy.runtime import PolicyRuntime

Pair = tuple[EffectivePolicy, EffectivePolicy]


class _Policies:
    """Each region's policy on the day, now and with the proposal, resolved once."""

    def __init__(self, versions: list[PolicyVersion], proposal: PolicyVersion, on: date) -> None:
        self._now, self._then, self._on = versions, [*versions, proposal], on
        self._pairs: dict[str, Pair] = {}

    def pair(self, region_code: str) -> Pair:
        if region_code not in self._pairs:
            self._pairs[region_code] = (
                resolve(self._now, region_code=region_code, on=self._on),
                resolve(self._then, region_code=region_code, on=self._on),
            )
        return self._pairs[region_code]


async def what_if(cmd: AskWhatIf, *, runtime: PolicyRuntime) -> dict[str, Any]:
    """Validate the proposal like a change (PolicyInvalid names the field) and judge the facts."""
    settings = validate_settings(cmd.settings)
    thresholds: Mapping[str, Any] = settings.get("indicator_thresholds", {})
    async with runtime.engine.connect() as conn:
        versions = await store.province_versions(conn, province_code=cmd.region_code[:2])
        months: Sequence[Mapping[Any, Any]] = ()
        if set(FLAG_SETTINGS.values()) & set(settings):
            month = cmd.on.strftime("%Y-%m")
            months = await facts.latest_months(conn, region_code=cmd.region_code, month=month)
        items: Sequence[Mapping[Any, Any]] = ()
        if thresholds:
            items = await facts.items_of(conn, region_code=cmd.region_code, indicators=thresholds)
    proposal = proposed_version(versions, region_code=cmd.region_code, settings=settings,
                                on=cmd.on)  # fmt: skip
    policies = _Policies(versions, proposal, cmd.on)
    household_rows = _households(months, policies)
    item_rows = _items(items, policies)
    townships, totals = per_township(household_rows, item_rows, name_of=runtime.geography.name)
    current, proposed = policies.pair(cmd.region_code)
    return {
        "region_code": cmd.region_code, "on": cmd.on.isoformat(),
        "settings": compared_settings(settings, current=current, proposed=proposed),
        "households": household_rows, "items": item_rows,
        "townships": townships, "totals": totals,
    }  # fmt: skip


def _households(rows: Iterable[Mapping[Any, Any]], policies: _Policies) -> list[dict[str, Any]]:
    found = []
    for row in rows:
        current, proposed = policies.pair(row["county_code"])
        month = HouseholdMonth(
            household_id=row["household_id"], county_code=row["county_code"],
            township_code=row["township_code"], village_code=row["village_code"],
            month=row["month"], per_person_yuan=row["per_person_yuan"],
        )  # fmt: skip
        found += flag_changes(month, current=current, proposed=proposed)
    return sorted(found, key=lambda r: (r["township_code"], r["village_code"], r["household_id"]))


def _items(rows: Iterable[Mapping[Any, Any]], policies: _Policies) -> list[dict[str, Any]]:
    found = []
    for row in rows:
        current, proposed = policies.pair(row["county_code"])
        item = ItemFacts(**{**row, "qualifiers": tuple(row["qualifiers"])})
        if (change := class_change(item, current=current, proposed=proposed)) is not None:
            found.append(change)
    return found
