"""The measure rules at the API: disaster, 内生动力不足, partial labour; water only flagged."""

from .conftest import member

JOB = {"type": "就业", "name": "劳务输出", "starts_on": "2026-11-01", "ends_on": "2027-10-31"}


def _measure(kind, name):
    return {**JOB, "type": kind, "name": name}


async def _plan(client, hid, headers, *measures):
    body = {"cadre_name": "刘书记", "measures": list(measures)}
    return await client.post(f"/api/v1/households/{hid}/plans", headers=headers, json=body)


async def test_disaster_and_motivation_rules_name_their_codes(assistance_client, register, village):
    risks = ["因灾", "内生动力不足"]
    hid = (await register(category="突发严重困难户", members=[member()], risk_types=risks))["id"]
    refused = await _plan(assistance_client, hid, village, JOB)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "plan_rule_violated"
    assert [(r["rule"], r["message"][:2]) for r in error["details"]["rules"]] == [
        ("disaster_needs_insurance_or_relief", "因灾"),
        ("motivation_needs_aspiration_measure", "内生"),
    ]
    ok = await _plan(
        assistance_client, hid, village, JOB, _measure("保险/救助", "临时救助"),
        _measure("扶志扶智", "技能培训"),
    )  # fmt: skip
    assert ok.status_code == 201, ok.text


async def test_partial_labour_industry_alone_is_refused_public_post_accepted(
    assistance_client, register, village
):
    hid = (await register(category="边缘易致贫户", members=[member("partial")]))["id"]
    industry = _measure("产业", "肉牛养殖")
    refused = await _plan(assistance_client, hid, village, industry)
    assert refused.json()["error"]["details"]["rule"] == "partial_labour_needs_suited_measure"
    ok = await _plan(assistance_client, hid, village, industry, _measure("公益岗位", "护林员"))
    assert ok.status_code == 201, ok.text


async def test_water_risk_without_water_measure_is_flagged_not_refused(
    assistance_client, register, village, outbox
):
    hid = (await register(category="边缘易致贫户", risk_types=["饮水安全"]))["id"]
    resp = await _plan(assistance_client, hid, village, JOB)
    assert resp.status_code == 201, resp.text
    assert [f["code"] for f in resp.json()["quality_flags"]] == ["water_risk_without_water_measure"]
    flagged = [e["payload"] for e in await outbox(hid, "data_quality.flagged")]
    assert [(e["stage"], e["flags"]) for e in flagged] == [
        ("plan", ["water_risk_without_water_measure"])
    ]
