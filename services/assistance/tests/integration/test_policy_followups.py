"""The follow-up judges each month by the county's policy in force for it (projected from
`policy.settings`): monitoring line, lifted average, income year, expense surge ratio."""

from shouwang.common.testing.fixtures import auth
from shouwang.common.testing.policy import put_policy

from .conftest import member

# NOTE: each test owns its county's policy (the run's database is shared)
POLICY = "/api/v1/policy"


async def _set_policy(policy_client, database_url, county, effective_from, **settings):
    """PUT a county's settings and wait until assistance has projected that version."""
    await put_policy(
        policy_client,
        database_url,
        county,
        projected_by="assistance",
        effective_from=effective_from,
        settings=settings,
    )


async def _household(client, village_code, **body):
    payload = {
        "village_code": village_code,
        "category": "边缘易致贫户",
        "members": [member(), member(relation="子女")],
        **body,
    }
    headers = auth("county", village_code[:6])
    resp = await client.post("/api/v1/households", json=payload, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


async def _followup(client, hid, village_code, month, **body):
    resp = await client.post(
        f"/api/v1/households/{hid}/followups",
        headers=auth("village", village_code),
        json={"month": month, "income": {"wage": 1150}, **body},
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def _codes(answer):
    return [f["code"] for f in answer["flags"]]


async def test_two_counties_flag_the_same_income_by_their_own_lines(
    assistance_client, policy_client, database_url
):
    await _set_policy(
        policy_client, database_url, "130630", "2026-01-01", monitoring_line_yuan=7300
    )
    laiyuan = await _household(assistance_client, "130630100201")
    suiling = await _household(assistance_client, "231226100201")
    # 1,150 a month for two people: 6,900 per person and year
    high = await _followup(assistance_client, laiyuan, "130630100201", "2026-10")
    low = await _followup(assistance_client, suiling, "231226100201", "2026-10")
    assert high["per_person_yuan"] == low["per_person_yuan"] == 6900
    assert "below_monitoring_line" in _codes(high) and high["monitoring_line_yuan"] == 7300
    assert "below_monitoring_line" not in _codes(low) and low["monitoring_line_yuan"] == 6500
    flag = next(f for f in high["flags"] if f["code"] == "below_monitoring_line")
    assert "7300" in flag["message"]


async def test_a_line_changed_from_a_date_judges_earlier_months_by_the_old_line(
    assistance_client, policy_client, database_url
):
    await _set_policy(
        policy_client, database_url, "141123", "2026-10-01", monitoring_line_yuan=7000
    )
    hid = await _household(assistance_client, "141123100201")
    september = await _followup(assistance_client, hid, "141123100201", "2026-09")
    october = await _followup(assistance_client, hid, "141123100201", "2026-10")
    assert september["monitoring_line_yuan"] == 6500
    assert "below_monitoring_line" not in _codes(september)
    assert october["monitoring_line_yuan"] == 7000
    assert "below_monitoring_line" in _codes(october)


async def test_income_year_lifted_average_and_expense_ratio_come_from_the_county(
    assistance_client, policy_client, database_url
):
    village = "230125100201"
    await _set_policy(
        policy_client,
        database_url,
        "230125",
        "2025-01-01",
        annualisation={"from_month": 10, "to_month": 6},
        lifted_average_yuan=15000,
        expense_surge_ratio=0.3,
    )
    hid = await _household(assistance_client, village)
    wage = {"wage": 2400}  # 14,400 per person and year: under 15,000, over 12,550
    await _followup(assistance_client, hid, village, "2026-09", income={"wage": 100})
    await _followup(assistance_client, hid, village, "2026-10", income=wage)
    answer = await _followup(
        assistance_client, hid, village, "2026-11", income=wage, expense={"medical": 1600}
    )
    # October–June (seed 002): September belongs to the income year before
    assert answer["months_counted"] == 2 and answer["annualised_income_yuan"] == 28800
    # rigid expenses 1,600 > 0.3 × 4,800 (the counted months' income), < 0.5 × 4,800
    assert _codes(answer) == ["below_lifted_average", "expense_surge"]
    national = await _household(assistance_client, "231226100201")
    await _followup(assistance_client, national, "231226100201", "2026-10", income=wage)
    same = await _followup(
        assistance_client, national, "231226100201", "2026-11", income=wage,
        expense={"medical": 1600},
    )  # fmt: skip
    assert same["months_counted"] == 2 and _codes(same) == []
