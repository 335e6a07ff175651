"""A processed batch puts its thresholded items' numbers on `warning.indicators` for policy's
what-if: per item its place, values and threshold qualifiers, never the person."""

import json
from typing import Any

import asyncpg
from shouwang.common.masking import mask_id_number
from shouwang.common.testing.fixtures import wait_until

TYPE = "shouwang.warning.items.indicators.v1"


async def _facts(database_url: str, batch_id: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT topic, key, payload::text AS payload FROM warning.outbox "
            "WHERE type = $1 AND subject = $2 ORDER BY id",
            TYPE,
            batch_id,
        )
    finally:
        await conn.close()
    return [dict(r) for r in rows]


async def test_a_processed_batch_publishes_its_items_numbers_without_the_people(
    loop: Any, database_url: str
) -> None:
    people = [loop.person() for _ in range(3)]
    items = [
        loop.item(people[0], values={"self_paid_yuan": 4000}),
        loop.item(people[1], village=loop.VILLAGE_B, values={"self_paid_yuan": 23000}),
        loop.item(people[2], values={"self_paid_yuan": 600, "care": "outpatient"}),
    ]
    resp = await loop.push(items)
    assert resp.status_code == 202, resp.text
    batch = resp.json()["batch_id"]
    await loop.processed(batch)

    rows = await wait_until(
        lambda: _facts(database_url, batch), what="items.indicators of the batch"
    )
    (row,) = rows
    assert row["topic"] == "warning.indicators" and row["key"] == loop.COUNTY
    payload = json.loads(row["payload"])
    assert {k: payload[k] for k in ("batch_id", "county_code", "department", "period")} == {
        "batch_id": batch, "county_code": loop.COUNTY, "department": "medical_insurance",
        "period": "2026-11",
    }  # fmt: skip
    assert payload["items"] == [
        {
            "item_id": f"{batch}:0", "township_code": loop.TOWNSHIP_A,
            "village_code": loop.VILLAGE_A, "indicator": "large_medical_expense",
            "values": {"self_paid_yuan": 4000.0}, "qualifiers": ["rural"],
        },
        {
            "item_id": f"{batch}:1", "township_code": loop.TOWNSHIP_B,
            "village_code": loop.VILLAGE_B, "indicator": "large_medical_expense",
            "values": {"self_paid_yuan": 23000.0}, "qualifiers": ["rural"],
        },
        {
            "item_id": f"{batch}:2", "township_code": loop.TOWNSHIP_A,
            "village_code": loop.VILLAGE_A, "indicator": "large_medical_expense",
            "values": {"self_paid_yuan": 600.0}, "qualifiers": ["outpatient_monthly", "rural"],
        },
    ]  # fmt: skip
    text = row["payload"]
    for who in people:
        for secret in (who["id_number"], who["name"], mask_id_number(who["id_number"]),
                       loop.ref(who)):  # fmt: skip
            assert secret not in text
