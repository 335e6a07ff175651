"""The what-if's rules without I/O: which minimum applies to an item, the proposal as a layer
version, the settings side by side, the township counts."""

from datetime import date

from shouwang.common.policy.resolution import PolicyVersion, resolve
from shouwang.policy.domain.item_classes import ItemFacts, item_class
from shouwang.policy.domain.proposal import compared_settings, proposed_version
from shouwang.policy.domain.summary import per_township

ON = date(2026, 11, 10)
MEDICAL = {"self_paid_yuan.lifted": 5000.0, "self_paid_yuan.rural": 20000.0,
           "self_paid_yuan.outpatient_monthly": 500.0}  # fmt: skip


def _item(paid: float, *qualifiers: str) -> ItemFacts:
    return ItemFacts(
        item_id="b:0", batch_id="b", county_code="231226", department="medical_insurance",
        period="2026-11", township_code="231226100", village_code="231226100201",
        indicator="large_medical_expense", values={"self_paid_yuan": paid}, qualifiers=qualifiers,
    )  # fmt: skip


def test_the_most_specific_minimum_applies_and_reaching_it_routes() -> None:
    assert item_class(MEDICAL, _item(4999.99, "lifted")) == "below_threshold"
    assert item_class(MEDICAL, _item(5000, "lifted")) == "routed"
    assert item_class(MEDICAL, _item(15000, "rural")) == "below_threshold"
    assert item_class(MEDICAL, _item(600, "outpatient_monthly", "rural")) == "routed"
    assert item_class({"self_paid_yuan": 800.0}, _item(700, "rural")) == "below_threshold"
    assert item_class({}, _item(1, "rural")) == "routed", "no minimum: every item is verified"


def test_the_proposal_is_the_layers_next_version_and_a_county_keeps_its_own_value() -> None:
    versions = [
        PolicyVersion("23", 1, date(2026, 1, 1), {"monitoring_line_yuan": 6800.0}),
        PolicyVersion("231226", 1, date(2026, 1, 1), {"monitoring_line_yuan": 7300.0}),
    ]
    proposal = proposed_version(versions, region_code="23",
                                settings={"monitoring_line_yuan": 6000.0}, on=ON)  # fmt: skip
    assert proposal.version == 2 and proposal.effective_from == ON
    other = resolve([*versions, proposal], region_code="231227", on=ON)
    own = resolve([*versions, proposal], region_code="231226", on=ON)
    assert other.value("monitoring_line_yuan") == 6000.0
    assert own.value("monitoring_line_yuan") == 7300.0


def test_settings_side_by_side_show_only_what_was_proposed() -> None:
    proposal = {"deadlines": {"identification_working_days": 20, "plan_days": 12},
                "amber_ratio": 0.7}  # fmt: skip
    current = resolve([], region_code="231226", on=ON)
    version = proposed_version([], region_code="231226", settings=proposal, on=ON)
    proposed = resolve([version], region_code="231226", on=ON)
    assert compared_settings(proposal, current=current, proposed=proposed) == {
        "deadlines": {
            "current": {"identification_days": 15, "plan_days": 10},
            "proposed": {"identification_working_days": 20, "plan_days": 12},
        },
        "amber_ratio": {"current": 0.8, "proposed": 0.7},
    }


def test_townships_count_their_changes_and_the_totals_add_up() -> None:
    households = [{"township_code": "231226101", "change": "lost"},
                  {"township_code": "231226100", "change": "gained"},
                  {"township_code": "231226100", "change": "lost"}]  # fmt: skip
    items = [{"township_code": "231226101", "proposed_class": "below_threshold"}]
    townships, totals = per_township(households, items, name_of={"231226100": "绥棱镇"}.get)
    assert [(t["township_code"], t["township_name"]) for t in townships] == [
        ("231226100", "绥棱镇"),
        ("231226101", None),
    ]
    assert townships[0]["households_gained"] == townships[0]["households_lost"] == 1
    assert totals == {"households_gained": 1, "households_lost": 2,
                      "items_to_below_threshold": 1, "items_to_routed": 0}  # fmt: skip
