"""Scheduled screenings: the quarterly and half-yearly campaigns open once when their period
starts; completion per township; problems of a fund or industry project."""

import io
from datetime import datetime

from openpyxl import load_workbook
from shouwang.assistance.service.screening import open_scheduled_screenings
from shouwang.common.clock import SHANGHAI
from shouwang.common.testing.fixtures import auth

from .conftest import VILLAGE

NEW_YEAR = datetime(2027, 1, 1, 8, 0, tzinfo=SHANGHAI)


async def _scheduled(client, county, period):
    items = (await client.get("/api/v1/campaigns", headers=county)).json()["items"]
    return [c for c in items if c["period"] == period]


async def _open_new_year(client, register, county, clock):
    await register()
    clock.set(NEW_YEAR)
    await open_scheduled_screenings(client.app.state.runtime)
    await open_scheduled_screenings(client.app.state.runtime)
    [quarter] = await _scheduled(client, county, "2027-Q1")
    [half] = await _scheduled(client, county, "2027-H1")
    return quarter, half


async def test_screenings_open_once_when_their_period_starts(
    assistance_client, register, county, clock
):
    quarter, half = await _open_new_year(assistance_client, register, county, clock)
    assert (
        quarter["kind"] == "quarterly_screening" and quarter["name"] == "2027年第1季度干部集中排查"
    )
    assert (quarter["starts_on"], quarter["ends_on"]) == ("2027-01-01", "2027-03-31")
    assert half["kind"] == "half_yearly_screening" and half["running"] is True
    assert [p["name"] for p in half["phases"]] == [
        "动员培训",
        "实地排查",
        "问题整改及动态管理",
        "工作总结",
    ]
    assert half["current_phase"] == "动员培训" and half["ends_on"] == "2027-01-31"


async def test_completion_per_township(assistance_client, register, county, township, clock):
    quarter, _ = await _open_new_year(assistance_client, register, county, clock)
    url = f"/api/v1/campaigns/{quarter['id']}/townships"
    other = auth("township", "231226101")
    refused = await assistance_client.post(f"{url}/231226100/complete", headers=other, json={})
    assert refused.status_code == 403
    for _ in range(2):
        done = await assistance_client.post(
            f"{url}/231226100/complete", headers=township, json={"note": "全乡入户排查完成"}
        )
        assert done.status_code == 200, done.text
    progress = await assistance_client.get(
        f"/api/v1/campaigns/{quarter['id']}/progress", headers=county
    )
    completion = progress.json()["completion"]
    rows = {r["township_code"]: r for r in completion["townships"]}
    assert (
        rows["231226100"]["completed"] is True and rows["231226100"]["note"] == "全乡入户排查完成"
    )
    assert rows["231226101"]["completed"] is False
    assert completion["completed"] == 1 and completion["total"] == len(rows) > 1


async def test_a_problem_may_concern_a_fund_project(
    assistance_client, register, county, township, clock, outbox
):
    _, half = await _open_new_year(assistance_client, register, county, clock)
    body = {
        "subject": "fund_project",
        "project_name": "2026年衔接资金肉牛养殖项目",
        "village_code": VILLAGE,
        "problem_type": "资金项目管理",
        "description": "项目资金拨付滞后",
        "measure": "督促乡镇完成拨付",
        "responsible": {"unit": "县财政局", "person": "孙科长"},
        "deadline": "2027-01-25",
    }
    url = f"/api/v1/campaigns/{half['id']}/problems"
    resp = await assistance_client.post(url, headers=township, json=body)
    assert resp.status_code == 201, resp.text
    problem = resp.json()
    assert problem["household_id"] is None and problem["subject"] == "fund_project"
    assert problem["project_name"] == body["project_name"]
    missing = await assistance_client.post(
        url, headers=township, json={**body, "project_name": None}
    )
    assert missing.status_code == 422
    [event] = [e["payload"] for e in await outbox(problem["id"], "problem_recorded")]
    assert event["subject"] == "fund_project" and event["household_id"] == ""
    sheet = await assistance_client.get(
        f"/api/v1/campaigns/{half['id']}/four-lists.xlsx", headers=township
    )
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(sheet.content))["问题清单"]]
    assert "（项目）2026年衔接资金肉牛养殖项目" in [r[3] for r in rows]
