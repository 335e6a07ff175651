"""A batch's item facts travel in events of at most 500 items, in order, none lost."""

from shouwang.common.events.catalog.warning import BatchFiled
from shouwang.warning.service.indicator_facts import CHUNK, indicator_events

FILED = BatchFiled(
    batch_id="b-1", county_code="231226", department="medical_insurance", period="2026-11",
    timeliness="on_time", received=1001, accepted=1001, rejected=0, sha256="x",
)  # fmt: skip


def _fact(i: int) -> dict[str, object]:
    return {
        "item_id": f"b-1:{i}", "township_code": "231226100", "village_code": "231226100201",
        "indicator": "large_medical_expense", "values": {"self_paid_yuan": 1000.0 + i},
        "qualifiers": ["rural"],
    }  # fmt: skip


def test_facts_are_chunked_by_500_in_order() -> None:
    events = indicator_events(FILED, [_fact(i) for i in range(1001)])
    assert CHUNK == 500
    assert [len(e.items) for e in events] == [500, 500, 1]
    ids = [item.item_id for e in events for item in e.items]
    assert ids == [f"b-1:{i}" for i in range(1001)]
    assert {(e.batch_id, e.county_code, e.department, e.period) for e in events} == {
        ("b-1", "231226", "medical_insurance", "2026-11")
    }


def test_no_facts_no_event() -> None:
    assert indicator_events(FILED, []) == []
