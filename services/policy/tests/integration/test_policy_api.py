"""The policy API: versions per layer, effective values with their source, 403 and 422."""

from shouwang.common.testing.fixtures import auth

# NOTE: each test owns its province (the run's database is shared): no test sees another's data
URL = "/api/v1/policy"
SCHEDULE = {"months": [3, 6, 9, 12], "prejudge_from_day": 11, "prejudge_to_day": 20,
            "review_from_day": 21}  # fmt: skip


def _put(client, region, headers, **body):  # type: ignore[no-untyped-def]
    payload = {"effective_from": "2027-01-01", "reason": "年度调整", "settings": {}, **body}
    return client.put(f"{URL}/{region}", json=payload, headers=headers)


async def test_put_then_get_reports_source_version_and_date(policy_client) -> None:
    province, county = auth("province", "61", sub="li-61"), auth("county", "610102")
    resp = await _put(
        policy_client,
        "61",
        province,
        effective_from="2026-01-01",
        settings={"monitoring_line_yuan": 7000, "deadlines": {"plan_days": 12}},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["version"] == 1 and resp.json()["actor"] == "province:li-61"
    resp = await _put(
        policy_client,
        "610102",
        county,
        settings={
            "monitoring_line_yuan": 7300,
            "push_window": {"open_day": 1, "close": "month_end"},
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["version"] == 1

    old = (
        await policy_client.get(f"{URL}/610102", params={"on": "2026-12-31"}, headers=county)
    ).json()["settings"]
    new = (
        await policy_client.get(
            f"{URL}/610102", params={"on": "2027-01-01"}, headers=auth("township", "610102001")
        )
    ).json()["settings"]
    assert old["monitoring_line_yuan"] == {
        "value": 7000.0,
        "source": "province",
        "version": 1,
        "effective_from": "2026-01-01",
    }
    assert new["monitoring_line_yuan"] == {
        "value": 7300.0,
        "source": "county",
        "version": 1,
        "effective_from": "2027-01-01",
    }
    assert new["push_window"]["value"] == {"open_day": 1, "close": "month_end"}
    assert new["deadlines"]["plan_days"]["source"] == "province"
    assert new["deadlines"]["assign_days"] == {
        "value": 3,
        "source": "national",
        "version": 0,
        "effective_from": None,
    }


async def test_history_lists_the_layers_own_versions_newest_first(policy_client) -> None:
    county = auth("county", "620102")
    for line in (6600, 6700, 6800):
        resp = await _put(
            policy_client,
            "620102",
            county,
            reason=f"调整为 {line}",
            settings={"monitoring_line_yuan": line},
        )
        assert resp.status_code == 200, resp.text
    first = (
        await policy_client.get(f"{URL}/620102/history", params={"limit": 2}, headers=county)
    ).json()
    assert [v["version"] for v in first["items"]] == [3, 2]
    assert first["items"][0]["settings"] == {"monitoring_line_yuan": 6800.0}
    rest = (
        await policy_client.get(
            f"{URL}/620102/history",
            headers=county,
            params={"limit": 2, "cursor": first["next_cursor"]},
        )
    ).json()
    assert [v["version"] for v in rest["items"]] == [1] and rest["next_cursor"] is None
    assert rest["items"][0]["reason"] == "调整为 6600"


async def test_only_the_layers_own_role_may_change_it(policy_client) -> None:
    settings = {"amber_ratio": 0.7}
    cases = [
        (auth("township", "630102001"), "630102"),
        (auth("village", "630102001001"), "630102"),
        (auth("county", "630102"), "63"),  # a county may not change its province
        (auth("province", "63"), "630102"),  # nor a province its county's layer
        (auth("county", "630103"), "630102"),
        (auth("department", "health", county="630102"), "630102"),
    ]
    for headers, region in cases:
        resp = await _put(policy_client, region, headers, settings=settings)
        assert resp.status_code == 403, (headers, region, resp.text)
    assert (await policy_client.put(f"{URL}/63", json={})).status_code == 401
    history = await policy_client.get(f"{URL}/630102/history", headers=auth("county", "630102"))
    assert history.json()["items"] == []


async def test_invalid_settings_answer_422_naming_the_field(policy_client) -> None:
    county = auth("county", "640102")
    cases = [
        ({"push_window": {"open_day": 15, "close_day": 5}}, "settings.push_window.close_day"),
        ({"monitoring_line_yuan": 0}, "settings.monitoring_line_yuan"),
        (
            {"indicator_thresholds": {"nonsense": {"x": 1}}},
            "settings.indicator_thresholds.nonsense",
        ),
        ({"push_window": {"open_day": 5, "close_day": 30}}, "settings.push_window.close_day"),
        (
            {"elimination_schedule": {**SCHEDULE, "months": [3, 6, 6, 12]}},
            "settings.elimination_schedule.months",
        ),
        (
            {"elimination_schedule": {**SCHEDULE, "review_from_day": 18}},
            "settings.elimination_schedule.review_from_day",
        ),
    ]
    for settings, field in cases:
        resp = await _put(policy_client, "640102", county, settings=settings)
        assert resp.status_code == 422, resp.text
        error = resp.json()["error"]
        assert error["field"] == field and error["details"][0]["field"] == field
        assert field.removeprefix("settings.") in error["message"]
    resp = await _put(policy_client, "640102", county, effective_from="2027-02-30")
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "effective_from"
    resp = await _put(policy_client, "6401020", county, settings={"amber_ratio": 0.7})
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "region_code"
    history = await policy_client.get(f"{URL}/640102/history", headers=county)
    assert history.json()["items"] == [], "nothing was stored"
