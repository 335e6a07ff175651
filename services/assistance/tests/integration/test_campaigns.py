"""Screening campaigns: four lists per problem, 销号 with evidence, progress, scopes, events."""

from datetime import timedelta

from shouwang.common.testing.fixtures import auth

from .conftest import VILLAGE, member

TOWNSHIP_B_VILLAGE = "231226101200"
PHASES = [
    {"name": "动员培训", "starts_on": "2026-11-06", "ends_on": "2026-11-08"},
    {"name": "实地排查", "starts_on": "2026-11-09", "ends_on": "2026-11-15"},
    {"name": "问题整改", "starts_on": "2026-11-16", "ends_on": "2026-11-25"},
    {"name": "工作总结", "starts_on": "2026-11-26", "ends_on": "2026-11-28"},
]
EVIDENCE = {
    "text": "已为该户办理危房改造，验收合格",
    "attachments": [{"file_name": "验收单.jpg", "content_type": "image/jpeg", "size_bytes": 2048}],
}


async def _campaign(client, county, phases=PHASES):
    resp = await client.post(
        "/api/v1/campaigns", headers=county, json={"name": "巩固成果集中排查", "phases": phases}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def _problem(hid, deadline="2026-11-20", **extra):
    return {
        "household_id": hid,
        "problem_type": "三保障和饮水安全",
        "description": "住房为 C 级危房",
        "measure": "纳入危房改造计划",
        "responsible": {"unit": "绥棱镇人民政府", "person": "刘书记"},
        "deadline": deadline,
        **extra,
    }


async def _record(client, campaign_id, headers, body):
    return await client.post(
        f"/api/v1/campaigns/{campaign_id}/problems", headers=headers, json=body
    )


async def test_problem_with_four_lists_closes_only_with_evidence(
    assistance_client, register, county, village, outbox
):
    campaign = await _campaign(assistance_client, county)
    assert campaign["current_phase"] == "实地排查" and campaign["running"] is True
    head = member(name="赵铁柱")
    hid = (await register(members=[head]))["id"]
    resp = await _record(assistance_client, campaign["id"], village, _problem(hid))
    assert resp.status_code == 201, resp.text
    problem = resp.json()
    assert problem["state"] == "open" and problem["head_name_masked"] == "赵**"
    assert problem["responsible"] == {"unit": "绥棱镇人民政府", "person": "刘书记"}
    close = f"/api/v1/campaigns/{campaign['id']}/problems/{problem['id']}/close"
    for body in ({}, {"evidence": {"text": "  ", "attachments": []}}):
        refused = await assistance_client.post(close, headers=village, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "evidence_required"
    ok = await assistance_client.post(close, headers=village, json={"evidence": EVIDENCE})
    assert ok.status_code == 200, ok.text
    closed = ok.json()
    assert closed["state"] == "closed" and closed["closed_by"] and closed["closed_at"]
    assert closed["evidence"]["attachments"][0]["file_name"] == "验收单.jpg"
    again = await assistance_client.post(close, headers=village, json={"evidence": EVIDENCE})
    assert again.status_code == 409
    events = await outbox(problem["id"], "campaign.problem")
    assert [e["type"].split(".")[-2] for e in events] == ["problem_recorded", "problem_closed"]
    assert events[1]["payload"]["on_time"] is True and events[1]["payload"]["attachments"] == 1
    assert events[0]["payload"]["township_code"] == VILLAGE[:9]
    assert "赵铁柱" not in str(events) and head["id_number"] not in str(events)


async def test_progress_per_township_with_overdue_and_completion_rate(
    assistance_client, register, county, village, township, clock
):
    campaign = await _campaign(assistance_client, county)
    cid = campaign["id"]
    ids = []
    for deadline in ("2026-11-20", "2026-11-12", "2026-11-25"):
        hid = (await register())["id"]
        resp = await _record(assistance_client, cid, village, _problem(hid, deadline))
        ids.append(resp.json()["id"])
    other = (await register(village_code=TOWNSHIP_B_VILLAGE))["id"]
    resp = await _record(
        assistance_client, cid, auth("township", TOWNSHIP_B_VILLAGE[:9]), _problem(other)
    )
    assert resp.status_code == 201, resp.text
    await assistance_client.post(
        f"/api/v1/campaigns/{cid}/problems/{ids[0]}/close",
        headers=township,
        json={"evidence": EVIDENCE},
    )
    clock.advance(timedelta(days=5))  # 2026-11-15: the second problem is past its deadline
    body = (await assistance_client.get(f"/api/v1/campaigns/{cid}/progress", headers=county)).json()
    rows = {r["township_code"]: r for r in body["townships"]}
    mine = rows[VILLAGE[:9]]
    assert (mine["found"], mine["closed"], mine["overdue"]) == (3, 1, 1)
    assert mine["completion_rate"] == 0.3333 and mine["township_name"] == "绥棱镇"
    assert rows[TOWNSHIP_B_VILLAGE[:9]]["completion_rate"] == 0.0
    assert body["total"]["found"] == 4 and body["total"]["completion_rate"] == 0.25
    own = await assistance_client.get(f"/api/v1/campaigns/{cid}/progress", headers=township)
    assert [r["township_code"] for r in own.json()["townships"]] == [VILLAGE[:9]]
    overdue = await assistance_client.get(
        f"/api/v1/campaigns/{cid}/problems", headers=village, params={"state": "overdue"}
    )
    assert [p["id"] for p in overdue.json()["items"]] == [ids[1]]


async def test_roles_scopes_and_dates(assistance_client, register, county, village, clock):
    bad = [PHASES[1], {**PHASES[0], "starts_on": "2026-11-10", "ends_on": "2026-11-12"}]
    overlap = await assistance_client.post(
        "/api/v1/campaigns", headers=county, json={"name": "x", "phases": bad}
    )
    assert overlap.status_code == 422 and overlap.json()["error"]["field"] == "phases.1.starts_on"
    denied = await assistance_client.post(
        "/api/v1/campaigns",
        headers=auth("township", VILLAGE[:9]),
        json={"name": "x", "phases": PHASES},
    )
    assert denied.status_code == 403
    cid = (await _campaign(assistance_client, county))["id"]
    hid = (await register())["id"]
    assert (await _record(assistance_client, cid, county, _problem(hid))).status_code == 403
    other_township = auth("township", TOWNSHIP_B_VILLAGE[:9])
    assert (await _record(assistance_client, cid, other_township, _problem(hid))).status_code == 403
    past = await _record(assistance_client, cid, village, _problem(hid, deadline="2026-11-01"))
    assert past.status_code == 422 and past.json()["error"]["field"] == "deadline"
    kind = await _record(assistance_client, cid, village, _problem(hid, problem_type="别的"))
    assert kind.status_code == 422
    elsewhere = await assistance_client.get(
        f"/api/v1/campaigns/{cid}", headers=auth("county", "231225")
    )
    assert elsewhere.status_code == 404
    clock.advance(timedelta(days=19))  # 2026-11-29: after the last phase
    late = await _record(assistance_client, cid, village, _problem(hid, deadline="2026-12-10"))
    assert late.status_code == 409 and late.json()["error"]["code"] == "campaign_not_running"
