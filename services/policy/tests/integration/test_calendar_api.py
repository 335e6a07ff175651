"""The calendar API: the seed, a province's edit, the Monday–Friday fallback with its warning."""

from shouwang.common.testing.fixtures import auth

URL = "/api/v1/calendar"


async def test_seeded_year_and_unknown_year_fallback(policy_client) -> None:
    headers = auth("township", "660102001")
    seeded = (await policy_client.get(f"{URL}/66/2026", headers=headers)).json()
    assert seeded["source"] == "national" and not seeded["fallback"]
    assert "2026-02-14" in seeded["workdays"] and "2026-10-01" in seeded["holidays"]
    unknown = (await policy_client.get(f"{URL}/66/2099", headers=headers)).json()
    assert unknown["source"] == "fallback" and unknown["fallback"] is True
    assert unknown["holidays"] == [] and "周一至周五" in unknown["warning"]


async def test_a_province_fills_in_a_year(policy_client) -> None:
    province = auth("province", "67")
    body = {
        "holidays": ["2099-01-01", "2099-01-02"],
        "workdays": ["2099-01-03"],
        "reason": "补充2099年节假日",
    }
    resp = await policy_client.put(f"{URL}/67/2099", json=body, headers=province)
    assert resp.status_code == 200, resp.text
    assert resp.json() | {"seed_package": None} == {
        "province_code": "67",
        "year": 2099,
        "source": "province",
        "version": 1,
        "holidays": ["2099-01-01", "2099-01-02"],
        "workdays": ["2099-01-03"],
        "fallback": False,
        "warning": None,
        "seed_package": None,
    }
    other = (await policy_client.get(f"{URL}/68/2099", headers=province)).json()
    assert other["fallback"] is True, "another province keeps its own calendar"


async def test_calendar_edits_are_the_provinces_own(policy_client) -> None:
    body = {"holidays": [], "workdays": [], "reason": "测试"}
    for headers in (auth("county", "690102"), auth("province", "70")):
        resp = await policy_client.put(f"{URL}/69/2099", json=body, headers=headers)
        assert resp.status_code == 403, resp.text


async def test_invalid_calendar_answers_422_naming_the_list(policy_client) -> None:
    province = auth("province", "71")
    body = {"holidays": ["2098-12-31"], "workdays": [], "reason": "测试"}
    resp = await policy_client.put(f"{URL}/71/2099", json=body, headers=province)
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "holidays"
    body = {"holidays": [], "workdays": ["2099-01-05"], "reason": "测试"}  # a Monday
    resp = await policy_client.put(f"{URL}/71/2099", json=body, headers=province)
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["code"] == "not_a_weekend"
