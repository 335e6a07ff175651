"""The plan editor's dry run: the create path's rule codes and messages, and nothing written.

(labour_unknown, which only the loop can leave, is checked in test_loop_consumer.)
"""

from shouwang.common.testing.fixtures import auth

from .conftest import member

SOCIAL = {
    "type": "综合保障/兜底",
    "name": "纳入低保",
    "starts_on": "2026-11-01",
    "ends_on": "2027-10-31",
    "amount_yuan": 4800,
}
JOB = {**SOCIAL, "type": "就业", "name": "劳务输出", "amount_yuan": 0}
HEALTH = {**SOCIAL, "type": "健康", "name": "大病保险"}


async def _post(client, hid, headers, suffix, *measures):
    body = {"cadre_name": "刘书记", "measures": list(measures)}
    return await client.post(f"/api/v1/households/{hid}/plans{suffix}", headers=headers, json=body)


async def _written(client, outbox, hid, headers) -> tuple[int, int]:
    """(plans of the household, outbox rows about it)."""
    detail = await client.get(f"/api/v1/households/{hid}", headers=headers)
    return len(detail.json()["plans"]), len(await outbox(hid))


async def test_check_names_the_rules_of_the_422_and_writes_nothing(
    assistance_client, register, village, outbox
):
    hid = (await register(category="边缘易致贫户", members=[member("full")], risk_types=["因病"]))[
        "id"
    ]
    before = await _written(assistance_client, outbox, hid, village)
    checked = await _post(assistance_client, hid, village, "/check", SOCIAL)
    assert checked.status_code == 200, checked.text
    assert await _written(assistance_client, outbox, hid, village) == before
    refused = await _post(assistance_client, hid, village, "", SOCIAL)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "plan_rule_violated"
    assert checked.json()["violations"] == error["details"]["rules"]
    assert [v["rule"] for v in checked.json()["violations"]] == [
        "labourer_needs_developmental_measure",
        "illness_needs_health_measure",
    ]
    passing = await _post(assistance_client, hid, village, "/check", SOCIAL, JOB, HEALTH)
    assert passing.status_code == 200 and passing.json() == {"violations": []}
    assert await _written(assistance_client, outbox, hid, village) == before
    saved = await _post(assistance_client, hid, village, "", SOCIAL, JOB, HEALTH)
    assert saved.status_code == 201, saved.text


async def test_check_keeps_the_create_paths_gates(assistance_client, register, village):
    hid = (await register(category="边缘易致贫户"))["id"]
    foreign = await _post(assistance_client, hid, auth("village", "231226101200"), "/check", JOB)
    assert foreign.status_code == 403
    backwards = {**JOB, "starts_on": "2027-01-01", "ends_on": "2026-12-01"}
    dates = await _post(assistance_client, hid, village, "/check", backwards)
    assert dates.status_code == 422 and dates.json()["error"]["field"] == "measures.0.ends_on"
    lifted = (await register(category="脱贫户"))["id"]
    not_monitored = await _post(assistance_client, lifted, village, "/check", JOB)
    assert not_monitored.status_code == 409
