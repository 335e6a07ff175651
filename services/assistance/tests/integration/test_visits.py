"""Monthly visits: a monitored household without a follow-up for a month gets missed_visit once."""

from datetime import datetime

from shouwang.assistance.service.visits import sweep_missed_visits
from shouwang.common.clock import SHANGHAI


async def _followup(client, hid, headers, month):
    resp = await client.post(
        f"/api/v1/households/{hid}/followups",
        headers=headers,
        json={"month": month, "income": {"wage": 1500}},
    )
    assert resp.status_code == 201, resp.text


async def test_a_household_skipping_october_gets_missed_visit_once(
    assistance_client, register, village, outbox
):
    skipped = (await register(category="边缘易致贫户", monitored_since="2026-09-01"))["id"]
    visited = (await register(category="边缘易致贫户", monitored_since="2026-09-01"))["id"]
    await _followup(assistance_client, skipped, village, "2026-09")
    for month in ("2026-09", "2026-10"):
        await _followup(assistance_client, visited, village, month)
    runtime = assistance_client.app.state.runtime
    await sweep_missed_visits(runtime)
    await sweep_missed_visits(runtime)
    missed = [e["payload"] for e in await outbox(skipped, "visit.missed")]
    assert [(e["month"], e["code"], e["colour"]) for e in missed] == [
        ("2026-10", "missed_visit", "red")
    ]
    assert missed[0]["village_code"] == "231226100201" and missed[0]["township_code"] == "231226100"
    assert await outbox(visited, "visit.missed") == []
    view = (await assistance_client.get(f"/api/v1/households/{skipped}", headers=village)).json()
    flags = [(f["stage"], f["ref"], f["colour"]) for f in view["overdue_flags"]]
    assert flags == [("missed_visit", f"{skipped}:2026-10", "red")]


async def test_this_months_visit_turns_amber_late_in_the_month(
    assistance_client, register, village, clock
):
    hid = (await register(category="边缘易致贫户", monitored_since="2026-09-01"))["id"]
    url = f"/api/v1/households/{hid}"
    assert (await assistance_client.get(url, headers=village)).json()["visit"]["colour"] == "green"
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))  # 83 % of November used
    assert (await assistance_client.get(url, headers=village)).json()["visit"]["colour"] == "amber"
    await _followup(assistance_client, hid, village, "2026-11")
    visit = (await assistance_client.get(url, headers=village)).json()["visit"]
    assert visit == {"month": "2026-11", "recorded": True, "colour": "green"}
