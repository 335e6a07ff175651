"""One responsible cadre per household: named, changed with history, the phone protected;
plans refer to the household's cadre."""

from datetime import timedelta

import asyncpg

from .conftest import member

DEV = {"type": "就业", "name": "劳务输出", "starts_on": "2026-11-01", "ends_on": "2027-10-31"}


async def _household(register):
    return (await register(category="边缘易致贫户", members=[member("full")]))["id"]


async def _view(client, hid, headers):
    return (await client.get(f"/api/v1/households/{hid}", headers=headers)).json()


async def test_cadre_is_named_and_changed_with_history(
    assistance_client, register, township, county, village, clock, outbox, database_url
):
    hid = await _household(register)
    url = f"/api/v1/households/{hid}/cadre"
    first = {"name": "刘书记", "phone": "13912345678", "post": "包村干部"}
    resp = await assistance_client.put(url, headers=township, json=first)
    assert resp.status_code == 200, resp.text
    assert resp.json()["phone_masked"] == "139****5678"
    refused = await assistance_client.put(url, headers=village, json=first)
    assert refused.status_code == 403
    clock.advance(timedelta(days=3))
    second = {"name": "张队员", "phone": "13700001111", "post": "驻村工作队员"}
    assert (await assistance_client.put(url, headers=county, json=second)).status_code == 200
    view = await _view(assistance_client, hid, village)
    assert view["cadre"]["name"] == "张队员" and view["cadre"]["phone_masked"] == "137****1111"
    history = view["cadre_history"]
    assert [(c["name"], c["assigned_by"]) for c in history] == [
        ("刘书记", "township-231226100"),
        ("张队员", "county-231226"),
    ]
    assert history[0]["ended_at"].startswith("2026-11-13") and history[1]["ended_at"] is None
    assert history[0]["ended_by"] == "county-231226"
    events = [e["payload"] for e in await outbox(hid, "cadre.assigned")]
    assert [e["name_masked"] for e in events] == ["刘**", "张**"]
    assert "13700001111" not in str(events) and events[1]["previous_cadre_id"] == history[0]["id"]
    conn = await asyncpg.connect(database_url)
    try:
        blobs = await conn.fetch(
            "SELECT phone_enc FROM assistance.household_cadres WHERE household_id = $1::uuid", hid
        )
    finally:
        await conn.close()
    assert all(b"1370000" not in bytes(r["phone_enc"]) for r in blobs)
    pii = (await assistance_client.get(f"/api/v1/households/{hid}/pii", headers=township)).json()
    assert pii["cadre"]["phone"] == "13700001111"


async def test_plans_refer_to_the_households_cadre(assistance_client, register, township, village):
    hid = await _household(register)
    plans = f"/api/v1/households/{hid}/plans"
    missing = await assistance_client.post(plans, headers=village, json={"measures": [DEV]})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "cadre_required"
    cadre = {"name": "刘书记", "phone": "13912345678"}
    await assistance_client.put(f"/api/v1/households/{hid}/cadre", headers=township, json=cadre)
    plan = await assistance_client.post(plans, headers=village, json={"measures": [DEV]})
    assert plan.status_code == 201, plan.text
    assert plan.json()["cadre"]["name"] == "刘书记" and plan.json()["cadre_name"] == "刘书记"
    renamed = await assistance_client.post(
        plans, headers=village, json={"cadre_name": "王主任", "measures": [DEV]}
    )
    assert renamed.status_code == 201, renamed.text
    view = await _view(assistance_client, hid, township)
    assert view["cadre"]["name"] == "王主任" and view["cadre"]["phone_masked"] is None
    assert [c["name"] for c in view["cadre_history"]] == ["刘书记", "王主任"]
    assert [p["cadre_id"] for p in view["plans"]] == [
        view["cadre_history"][0]["id"],
        view["cadre"]["id"],
    ]
