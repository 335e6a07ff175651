"""Registry: register, masked reads, scopes, audited PII reads, status events."""

from shouwang.common.testing.fixtures import auth

from .conftest import VILLAGE, member


async def test_register_returns_masked_household(assistance_client, register):
    head = member(name="张三丰")
    body = await register(
        category="脱贫户",
        members=[head, member("none", "配偶")],
        protection=["低保"],
        address="绥棱镇某村 8 号",
    )
    assert body["status"] == "lifted" and body["registry_status"] == "lifted"
    assert body["size"] == 2 and body["head_name_masked"] == "张**"
    text = str(body)
    assert head["id_number"] not in text and "13812345678" not in text and "8 号" not in text
    assert (
        body["members"][0]["id_masked"]
        == head["id_number"][:6] + "********" + head["id_number"][-4:]
    )
    assert [m["labour"] for m in body["members"]] == ["full", "none"]


async def test_status_event_carries_member_refs_not_pii(register, outbox):
    head = member()
    body = await register(members=[head])
    events = await outbox(body["id"], "status_changed")
    assert len(events) == 1
    payload = events[0]["payload"]
    assert payload["status"] == "lifted" and len(payload["member_refs"]) == 1
    assert len(payload["member_refs"][0]) == 64 and head["id_number"] not in str(payload)


async def test_other_township_cannot_read(assistance_client, register):
    body = await register()
    other = auth("township", "231226101")
    resp = await assistance_client.get(f"/api/v1/households/{body['id']}", headers=other)
    assert resp.status_code == 403
    assert body["id"] not in await _listed_ids(assistance_client, other)
    assert body["id"] in await _listed_ids(assistance_client, auth("village", VILLAGE))


async def _listed_ids(client, headers: dict[str, str]) -> set[str]:
    """Every household id the caller's list shows, page by page (other tests share the village)."""
    ids: set[str] = set()
    offset = 0
    while True:
        params = {"limit": 500, "offset": offset}
        page = (await client.get("/api/v1/households", headers=headers, params=params)).json()
        ids.update(h["id"] for h in page["items"])
        if len(page["items"]) < 500:
            return ids
        offset += 500


async def test_bad_id_number_is_rejected_with_field(assistance_client, county):
    bad = member()
    bad["id_number"] = bad["id_number"][:17] + ("0" if bad["id_number"][17] != "0" else "1")
    resp = await assistance_client.post(
        "/api/v1/households",
        headers=county,
        json={"village_code": VILLAGE, "category": "脱贫户", "members": [bad]},
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["field"] == "members.0.id_number"


async def test_same_person_twice_is_a_conflict(assistance_client, register, county):
    head = member()
    await register(members=[head])
    resp = await assistance_client.post(
        "/api/v1/households",
        headers=county,
        json={"village_code": VILLAGE, "category": "脱贫户", "members": [head]},
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "person_already_registered"


async def test_pii_read_is_audited(assistance_client, register, village, outbox):
    head = member(name="李四")
    body = await register(members=[head], address="绥棱镇 1 号")
    resp = await assistance_client.get(f"/api/v1/households/{body['id']}/pii", headers=village)
    assert resp.status_code == 200
    assert resp.json()["members"][0]["id_number"] == head["id_number"]
    assert resp.json()["address"] == "绥棱镇 1 号"
    viewed = await outbox(body["id"], "pii.viewed")
    assert len(viewed) == 1 and viewed[0]["payload"]["actor"]
    dept = auth("department", "medical_insurance", county="231226")
    denied = await assistance_client.get(f"/api/v1/households/{body['id']}/pii", headers=dept)
    assert denied.status_code == 403
