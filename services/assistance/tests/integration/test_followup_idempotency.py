"""A follow-up takes an Idempotency-Key: a retry replays the first answer with no second write or
event (FollowupFlagged once); the key with another body is refused (API.md)."""

import json
import uuid
from collections import Counter
from datetime import timedelta

import asyncpg


async def _row(database_url, hid):
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(
            "SELECT month, income::text AS income, recorded_at FROM assistance.followups "
            "WHERE household_id = $1",
            uuid.UUID(hid),
        )
    finally:
        await conn.close()


async def test_a_retried_followup_with_its_key_is_stored_and_emitted_once(
    assistance_client, register, village, outbox, database_url, clock
):
    hid = (await register(category="边缘易致贫户"))["id"]
    url = f"/api/v1/households/{hid}/followups"
    headers = village | {"Idempotency-Key": f"visit-{uuid.uuid4()}"}
    body = {"month": "2026-10", "income": {"wage": 300}}  # 3,600 a year: below the line
    first = await assistance_client.post(url, headers=headers, json=body)
    assert first.status_code == 201, first.text
    assert "below_monitoring_line" in [f["code"] for f in first.json()["flags"]]
    clock.advance(timedelta(hours=2))
    again = await assistance_client.post(url, headers=headers, json=body)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    rows = await _row(database_url, hid)
    assert len(rows) == 1 and rows[0]["recorded_at"] == clock.now() - timedelta(hours=2)
    events = Counter(e["type"] for e in await outbox(hid, "followup."))
    assert events and set(events.values()) == {1}, events  # FollowupFlagged (and any other) once
    assert any(t.endswith("followup.flagged.v1") for t in events)

    other = {**body, "income": {"wage": 3000}}
    reused = await assistance_client.post(url, headers=headers, json=other)
    assert reused.status_code == 409, reused.text
    error = reused.json()["error"]
    assert error["code"] == "idempotency_key_reused" and error["field"] == "Idempotency-Key"
    assert json.loads((await _row(database_url, hid))[0]["income"])["wage"] == 300
    assert Counter(e["type"] for e in await outbox(hid, "followup.")) == events


async def test_the_same_key_for_another_household_is_refused(assistance_client, register, village):
    first, second = [(await register(category="边缘易致贫户"))["id"] for _ in range(2)]
    headers = village | {"Idempotency-Key": f"visit-{uuid.uuid4()}"}
    body = {"month": "2026-10", "income": {"wage": 2000}}
    ok = await assistance_client.post(
        f"/api/v1/households/{first}/followups", headers=headers, json=body
    )
    assert ok.status_code == 201, ok.text
    reused = await assistance_client.post(
        f"/api/v1/households/{second}/followups", headers=headers, json=body
    )
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
