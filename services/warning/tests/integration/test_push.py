"""Push API: item checks, idempotency, the window, zero reports (issue 4 points 1, 2)."""

from datetime import datetime, timedelta

from shouwang.common.clock import SHANGHAI
from shouwang.common.testing.fixtures import auth
from shouwang.warning.adapters.tables import batches
from sqlalchemy import func, select


async def count_batches(loop) -> int:
    async with loop.runtime.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(batches))).scalar_one()


async def test_bad_checksum_item_is_rejected_and_the_rest_accepted(loop):
    good, bad = loop.person(), loop.person()
    bad["id_number"] = bad["id_number"][:17] + ("0" if bad["id_number"][17] != "0" else "1")
    resp = await loop.push([loop.item(good), loop.item(bad), loop.item(loop.person())])
    assert resp.status_code == 202
    body = resp.json()
    assert (body["received"], body["accepted"], body["rejected"]) == (3, 2, 1)
    assert body["rejections"] == [
        {
            "index": 1,
            "field": "id_number",
            "code": "id_number_checksum",
            "message": "身份证号校验码错误",
        }
    ]
    summary = await loop.processed(body["batch_id"])
    assert summary["tasks_created"] == 2


async def test_missing_field_and_foreign_village_are_rejected_with_reasons(loop):
    nameless = {"id_number": loop.person()["id_number"]}
    resp = await loop.push(
        [
            loop.item(nameless),
            loop.item(loop.person(), village="230125100201"),
            loop.item(loop.person(), indicator="dropout"),
        ]
    )
    codes = [(r["field"], r["code"]) for r in resp.json()["rejections"]]
    assert codes == [
        ("name", "missing_field"),
        ("village_code", "village_out_of_county"),
        ("indicator", "unknown_indicator"),
    ]


async def test_identical_resend_returns_first_response_and_creates_nothing(loop):
    items = [loop.item(loop.person())]
    key = f"k-{loop.rng.random()}"
    first = await loop.push(items, key=key)
    before = await count_batches(loop)
    again = await loop.push(items, key=key)
    assert again.status_code == 202 and again.json() == first.json()
    assert await count_batches(loop) == before


async def test_same_key_different_body_is_409(loop):
    key = f"k-{loop.rng.random()}"
    await loop.push([loop.item(loop.person())], key=key)
    resp = await loop.push([loop.item(loop.person())], key=key)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "idempotency_key_reused"


async def test_window_boundaries_in_shanghai_time(loop, clock):
    clock.set(datetime(2026, 11, 15, 23, 59, 59, 999000, tzinfo=SHANGHAI))
    assert (await loop.push([])).json()["timeliness"] == "on_time"
    clock.set(datetime(2026, 11, 16, tzinfo=SHANGHAI))
    closed = await loop.push([loop.item(loop.person())])
    assert closed.status_code == 409
    error = closed.json()["error"]
    assert error["code"] == "push_window_closed"
    assert error["details"]["next_window_opens_at"] == "2026-12-05T00:00:00+08:00"


async def test_urgent_needs_a_reason_and_is_accepted_outside_the_window(loop, clock):
    clock.set(datetime(2026, 11, 20, 9, tzinfo=SHANGHAI))
    no_reason = await loop.push([loop.item(loop.person())], urgent=True)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "urgent_reason"
    resp = await loop.push([loop.item(loop.person())], urgent=True, urgent_reason="突发重病")
    assert resp.status_code == 202 and resp.json()["timeliness"] == "urgent"


async def test_county_extension_lets_a_department_push_late(loop, clock):
    clock.set(datetime(2026, 11, 18, 9, tzinfo=SHANGHAI))
    assert (await loop.push([], department="water")).status_code == 409
    until = (datetime(2026, 11, 20, 18, tzinfo=SHANGHAI)).isoformat()
    ext = await loop.client.post(
        "/api/v1/extensions",
        headers=auth("county", loop.COUNTY),
        json={"department": "water", "period": "2026-11", "until": until},
    )
    assert ext.status_code == 201
    assert (await loop.push([], department="water")).json()["timeliness"] == "extended"
    clock.set(datetime(2026, 11, 20, 18, tzinfo=SHANGHAI) + timedelta(seconds=1))
    assert (await loop.push([], department="water")).status_code == 409


async def test_only_the_department_itself_may_push(loop):
    body = {"department": "health", "period": "2026-11", "items": []}
    resp = await loop.client.post(
        "/api/v1/warning-batches", json=body, headers=loop.dept("education")
    )
    assert resp.status_code == 403
    resp = await loop.client.post(
        "/api/v1/warning-batches", json=body, headers=auth("township", loop.TOWNSHIP_A)
    )
    assert resp.status_code == 403
    assert (await loop.client.post("/api/v1/warning-batches", json=body)).status_code == 401


async def test_malformed_body_names_the_field(loop):
    resp = await loop.client.post(
        "/api/v1/warning-batches",
        headers=loop.dept(),
        json={"department": "medical_insurance", "period": "2026-13", "items": []},
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["field"] == "period"


async def test_filed_original_is_kept_byte_for_byte_with_its_hash(loop):
    import hashlib

    resp = await loop.push([loop.item(loop.person())])
    batch_id = resp.json()["batch_id"]
    raw = await loop.client.get(
        f"/api/v1/warning-batches/{batch_id}/raw", headers=auth("county", loop.COUNTY)
    )
    assert raw.status_code == 200
    assert hashlib.sha256(raw.content).hexdigest() == resp.json()["sha256"]
    listed = await loop.client.get(
        "/api/v1/warning-batches",
        headers=auth("county", loop.COUNTY),
        params={"department": "medical_insurance", "period": "2026-11"},
    )
    assert batch_id in [b["batch_id"] for b in listed.json()["items"]]
