"""The deadline sweep: overdue identification, late plan, overdue campaign problem — once each."""

import asyncio
from datetime import timedelta

from shouwang.assistance.service.deadlines import deadline_loop, sweep_overdue
from shouwang.common.testing.fixtures import wait_until

from .test_campaigns import EVIDENCE, _campaign, _problem, _record

DEV = {
    "type": "产业",
    "name": "肉牛养殖补贴",
    "starts_on": "2026-11-01",
    "ends_on": "2027-10-31",
    "amount_yuan": 3000,
}


def _runtime(client):
    return client.app.state.runtime


async def _overdue(outbox, hid):
    return [e["payload"] for e in await outbox(hid, "deadline.overdue")]


async def test_identification_past_fifteen_days_is_flagged_once(
    assistance_client, register, township, clock, outbox
):
    late = (await register())["id"]
    on_time = (await register())["id"]
    for hid in (late, on_time):
        resp = await assistance_client.post(
            f"/api/v1/households/{hid}/identification/start", headers=township, json={}
        )
        assert resp.status_code == 201, resp.text
    await assistance_client.post(
        f"/api/v1/households/{on_time}/identification/village_review",
        headers=township,
        json={"result": "fail", "date": "2026-11-10", "attendees": 12},
    )
    clock.advance(timedelta(days=14))
    await sweep_overdue(_runtime(assistance_client))
    assert await _overdue(outbox, late) == []
    clock.advance(timedelta(days=2))
    await sweep_overdue(_runtime(assistance_client))
    await sweep_overdue(_runtime(assistance_client))
    flagged = await _overdue(outbox, late)
    assert [(e["stage"], e["township_code"]) for e in flagged] == [("identification", "231226100")]
    view = (await assistance_client.get(f"/api/v1/households/{late}", headers=township)).json()
    assert view["overdue_flags"][0]["ref"] == view["identification"]["id"] == flagged[0]["ref"]
    assert await _overdue(outbox, on_time) == []


async def test_missing_plan_past_ten_days_is_flagged_once(
    assistance_client, register, village, clock, outbox
):
    missing = (await register(category="边缘易致贫户", monitored_since="2026-10-25"))["id"]
    planned = (await register(category="边缘易致贫户", monitored_since="2026-10-25"))["id"]
    recent = (await register(category="边缘易致贫户", monitored_since="2026-11-05"))["id"]
    resp = await assistance_client.post(
        f"/api/v1/households/{planned}/plans",
        headers=village,
        json={"cadre_name": "刘书记", "measures": [DEV]},
    )
    assert resp.status_code == 201, resp.text
    await sweep_overdue(_runtime(assistance_client))
    await sweep_overdue(_runtime(assistance_client))
    flagged = await _overdue(outbox, missing)
    assert [(e["stage"], e["ref"]) for e in flagged] == [("plan", f"{missing}:2026-10-25")]
    assert flagged[0]["due_at"].startswith("2026-11-05T00:00:00")
    assert await _overdue(outbox, planned) == [] and await _overdue(outbox, recent) == []
    clock.advance(timedelta(days=6))  # 2026-11-16: the recent household's due day (11-15) passed
    await sweep_overdue(_runtime(assistance_client))
    assert [e["stage"] for e in await _overdue(outbox, recent)] == ["plan"]


async def test_open_campaign_problem_past_its_deadline_is_flagged_once(
    assistance_client, register, county, village, clock, outbox
):
    cid = (await _campaign(assistance_client, county))["id"]
    open_hid = (await register())["id"]
    closed_hid = (await register())["id"]
    problem = (
        await _record(assistance_client, cid, village, _problem(open_hid, "2026-11-12"))
    ).json()
    other = (
        await _record(assistance_client, cid, village, _problem(closed_hid, "2026-11-12"))
    ).json()
    await assistance_client.post(
        f"/api/v1/campaigns/{cid}/problems/{other['id']}/close",
        headers=village,
        json={"evidence": EVIDENCE},
    )
    clock.advance(timedelta(days=3))
    await sweep_overdue(_runtime(assistance_client))
    await sweep_overdue(_runtime(assistance_client))
    flagged = await _overdue(outbox, open_hid)
    assert [(e["stage"], e["ref"]) for e in flagged] == [("campaign_problem", problem["id"])]
    assert await _overdue(outbox, closed_hid) == []


async def test_the_loop_sweeps_and_stops(assistance_client, register, township, clock, outbox):
    hid = (await register())["id"]
    await assistance_client.post(
        f"/api/v1/households/{hid}/identification/start", headers=township, json={}
    )
    clock.advance(timedelta(days=16))
    stop = asyncio.Event()
    task = asyncio.create_task(deadline_loop(_runtime(assistance_client), stop))

    async def flagged():
        return await _overdue(outbox, hid)

    events = await wait_until(flagged, what="the loop flags the overdue identification")
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert [e["stage"] for e in events] == ["identification"]
