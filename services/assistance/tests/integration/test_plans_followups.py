"""Plans with the measure rules, and monthly follow-up with annualised income and flags."""

from .conftest import member

DEV = {
    "type": "产业",
    "name": "肉牛养殖补贴",
    "starts_on": "2026-11-01",
    "ends_on": "2027-10-31",
    "amount_yuan": 3000,
}
SOCIAL = {
    "type": "综合保障/兜底",
    "name": "纳入低保",
    "starts_on": "2026-11-01",
    "ends_on": "2027-10-31",
    "amount_yuan": 4800,
}


async def _plan(client, hid, headers, *measures):
    return await client.post(
        f"/api/v1/households/{hid}/plans",
        headers=headers,
        json={"cadre_name": "刘书记", "measures": list(measures)},
    )


async def test_labourer_with_only_social_security_gets_422_naming_the_rule(
    assistance_client, register, village, outbox
):
    hid = (await register(category="边缘易致贫户", members=[member("full")]))["id"]
    resp = await _plan(assistance_client, hid, village, SOCIAL)
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "plan_rule_violated"
    assert error["details"]["rule"] == "labourer_needs_developmental_measure"
    assert "开发式" in error["message"]
    assert await outbox(hid, "plan.recorded") == []


async def test_no_labour_and_illness_rules(assistance_client, register, village):
    hid = (
        await register(category="突发严重困难户", members=[member("none")], risk_types=["因病"])
    )["id"]
    resp = await _plan(assistance_client, hid, village, DEV)
    rules = [r["rule"] for r in resp.json()["error"]["details"]["rules"]]
    assert rules == ["no_labour_needs_social_security", "illness_needs_health_measure"]
    health = {**DEV, "type": "健康", "name": "大病保险"}
    ok = await _plan(assistance_client, hid, village, SOCIAL, health)
    assert ok.status_code == 201, ok.text


async def test_plan_on_day_eleven_is_flagged_late(assistance_client, register, village, outbox):
    on_time = (await register(category="边缘易致贫户", monitored_since="2026-10-31"))["id"]
    late = (await register(category="边缘易致贫户", monitored_since="2026-10-30"))["id"]
    first = await _plan(assistance_client, on_time, village, DEV)
    second = await _plan(assistance_client, late, village, DEV)
    assert first.status_code == second.status_code == 201
    assert first.json()["late"] is False and first.json()["due_on"] == "2026-11-10"
    assert second.json()["late"] is True
    events = await outbox(late, "plan.recorded")
    assert events[0]["payload"]["late"] is True


async def test_plan_needs_a_monitored_household(assistance_client, register, village):
    hid = (await register(category="脱贫户"))["id"]
    resp = await _plan(assistance_client, hid, village, DEV)
    assert resp.status_code == 409


async def test_nine_months_annualised_and_flagged_below_line(
    assistance_client, register, village, outbox
):
    hid = (await register(category="边缘易致贫户", members=[member(), member(relation="子女")]))[
        "id"
    ]
    wages = [600, 700, 500, 800, 900, 600, 700, 500, 0]
    for month, wage in enumerate(wages, start=1):
        resp = await assistance_client.post(
            f"/api/v1/households/{hid}/followups",
            headers=village,
            json={
                "month": f"2026-{month:02d}",
                "income": {"wage": wage, "transfer": 100},
                "expense": {"medical": 200},
            },
        )
        assert resp.status_code == 201, resp.text
    body = resp.json()
    expected = (sum(wages) + 900) / 9 * 12
    assert body["month"] == "2026-09" and body["months_counted"] == 9
    assert body["annualised_income_yuan"] == round(expected, 2)
    assert body["per_person_yuan"] == round(expected / 2, 2)
    codes = [f["code"] for f in body["flags"]]
    assert "below_monitoring_line" in codes and body["monitoring_line_yuan"] == 6500
    assert all(f["message"] for f in body["flags"])
    flagged = await outbox(hid, "followup.flagged")
    assert flagged[-1]["payload"]["month"] == "2026-09"
    assert "below_monitoring_line" in flagged[-1]["payload"]["flags"]


async def test_future_month_is_refused(assistance_client, register, village):
    hid = (await register(category="边缘易致贫户"))["id"]
    resp = await assistance_client.post(
        f"/api/v1/households/{hid}/followups",
        headers=village,
        json={"month": "2026-12", "income": {"wage": 1}},
    )
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "month"


async def test_monthly_checks_are_recorded_with_their_labels(assistance_client, register, village):
    hid = (await register(category="边缘易致贫户"))["id"]
    checks = {
        "measures_in_place": True,
        "entitlements_received": True,
        "education": True,
        "medical": True,
        "housing": True,
        "water": False,
        "household_satisfied": True,
    }
    resp = await assistance_client.post(
        f"/api/v1/households/{hid}/followups",
        headers=village,
        json={"month": "2026-10", "income": {"wage": 3000}, "checks": checks},
    )
    assert resp.status_code == 201, resp.text
    answer = {c["field"]: c for c in resp.json()["checks"]}
    assert answer["water"] == {"field": "water", "label": "饮水安全有保障", "value": False}
    assert answer["measures_in_place"]["label"] == "帮扶措施落实到位"
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=village)).json()
    recorded = {c["field"]: c["value"] for c in view["followups"][0]["checks"]}
    assert recorded == checks
