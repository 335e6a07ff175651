"""Identification (纳入) through the API: order, notice period, deadline, notice page, decision."""

from datetime import timedelta

from .conftest import member


async def _start(client, hid, township):
    resp = await client.post(
        f"/api/v1/households/{hid}/identification/start",
        headers=township,
        json={"reason": "突发大病", "risk_types": ["因病"]},
    )
    assert resp.status_code == 201, resp.text


async def _step(client, hid, step, headers, body):
    return await client.post(
        f"/api/v1/households/{hid}/identification/{step}", headers=headers, json=body
    )


async def test_full_identification_approves_and_publishes(
    assistance_client, register, township, village, county, clock, outbox
):
    head = member(name="孙大圣")
    hid = (await register(members=[head]))["id"]
    await _start(assistance_client, hid, township)
    resp = await _step(
        assistance_client,
        hid,
        "village_review",
        village,
        {"result": "pass", "date": "2026-11-10", "attendees": 23, "category": "脱贫不稳定户"},
    )
    assert resp.status_code == 200 and resp.json()["next_step"] == "notice"
    resp = await _step(assistance_client, hid, "notice", village, {"posted_on": "2026-11-10"})
    assert resp.json()["result"] == "posted"
    resp = await _step(
        assistance_client,
        hid,
        "notice",
        village,
        {
            "posted_on": "2026-11-10",
            "objections": [{"received_on": "2026-11-11", "summary": "收入不实"}],
        },
    )
    assert resp.json()["result"] == "objections_recorded"
    clock.advance(timedelta(days=4))
    early = await _step(
        assistance_client,
        hid,
        "township_review",
        township,
        {"result": "pass", "date": "2026-11-14"},
    )
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "notice_period_not_elapsed"
    clock.advance(timedelta(days=1))
    ok = await _step(
        assistance_client,
        hid,
        "township_review",
        township,
        {"result": "pass", "date": "2026-11-15"},
    )
    assert ok.status_code == 200, ok.text
    denied = await _step(
        assistance_client,
        hid,
        "county_decision",
        township,
        {"decision": "approve", "date": "2026-11-16"},
    )
    assert denied.status_code == 403
    resp = await _step(
        assistance_client,
        hid,
        "county_decision",
        county,
        {"decision": "approve", "date": "2026-11-16"},
    )
    assert resp.json()["status"] == "approved" and resp.json()["overdue"] is False
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=county)).json()
    assert view["status"] == "monitored" and view["category"] == "脱贫不稳定户"
    # the county decision is dated by the server (2026-11-15), never by the client's date
    assert view["approved_on"] == "2026-11-15"
    assert view["plan_due_on"] == "2026-11-25" and view["risk_types"] == ["因病"]
    assert view["identification"]["steps"]["notice"]["objections"][0]["summary"] == "收入不实"
    statuses = [e["payload"]["assistance_status"] for e in await outbox(hid, "status_changed")]
    assert statuses == ["lifted", "identifying", "monitored"]


async def test_step_out_of_order_is_refused(assistance_client, register, township, village):
    hid = (await register())["id"]
    await _start(assistance_client, hid, township)
    resp = await _step(assistance_client, hid, "notice", village, {"posted_on": "2026-11-10"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "invalid_step"
    bad = await _step(assistance_client, hid, "village_review", village, {"result": "maybe"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_failed"


async def test_overdue_after_fifteen_days(assistance_client, register, township, clock):
    hid = (await register())["id"]
    await _start(assistance_client, hid, township)
    clock.advance(timedelta(days=16))
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=township)).json()
    assert view["identification"]["overdue"] is True
    assert view["identification"]["next_step"] == "village_review"


async def test_rejection_restores_previous_status(assistance_client, register, township, village):
    hid = (await register())["id"]
    await _start(assistance_client, hid, township)
    await _step(
        assistance_client,
        hid,
        "village_review",
        village,
        {"result": "fail", "date": "2026-11-10", "attendees": 15},
    )
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=village)).json()
    assert view["status"] == "lifted" and view["identification"]["status"] == "rejected"


async def test_notice_page_is_masked(assistance_client, register, township, village):
    head = member(name="周杰伦")
    hid = (await register(members=[head, member(relation="配偶")]))["id"]
    await _start(assistance_client, hid, township)
    await _step(
        assistance_client,
        hid,
        "village_review",
        village,
        {"result": "pass", "date": "2026-11-10", "attendees": 20, "category": "边缘易致贫户"},
    )
    await _step(assistance_client, hid, "notice", village, {"posted_on": "2026-11-10"})
    resp = await assistance_client.get(
        f"/api/v1/households/{hid}/identification/notice.html", headers=village
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert "周**" in page and "周杰伦" not in page and "边缘易致贫户" in page
    assert head["id_number"] not in page and "13812345678" not in page and "因病" not in page
    assert "2026-11-14" in page  # five days: 10th to 14th


async def test_a_notice_backdated_by_ten_days_still_waits_five_server_days(
    assistance_client, register, township, village, clock
):
    hid = (await register())["id"]
    await _start(assistance_client, hid, township)
    clock.advance(timedelta(days=10))  # 2026-11-20
    review = {"result": "pass", "date": "2026-11-10", "attendees": 20, "category": "边缘易致贫户"}
    assert (await _step(assistance_client, hid, "village_review", village, review)).is_success
    posted = await _step(assistance_client, hid, "notice", village, {"posted_on": "2026-11-10"})
    assert posted.status_code == 200, posted.text
    clock.advance(timedelta(days=4))
    early = await _step(
        assistance_client,
        hid,
        "township_review",
        township,
        {"result": "pass", "date": "2026-11-24"},
    )
    assert early.status_code == 409, early.text
    assert early.json()["error"]["code"] == "notice_period_not_elapsed"
    assert early.json()["error"]["details"]["notice_ends_on"] == "2026-11-25"
    clock.advance(timedelta(days=1))
    ok = await _step(
        assistance_client,
        hid,
        "township_review",
        township,
        {"result": "pass", "date": "2026-11-25"},
    )
    assert ok.status_code == 200, ok.text
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=township)).json()
    notice = view["identification"]["steps"]["notice"]
    assert notice["posted_on"] == "2026-11-20" and notice["stated_posted_on"] == "2026-11-10"


async def test_step_dates_in_the_future_or_out_of_order_are_refused(
    assistance_client, register, township, village
):
    hid = (await register())["id"]
    await _start(assistance_client, hid, township)
    review = {"result": "pass", "date": "2026-11-11", "attendees": 20, "category": "边缘易致贫户"}
    future = await _step(assistance_client, hid, "village_review", village, review)
    assert future.status_code == 422 and future.json()["error"]["code"] == "step_date_invalid"
    before = await _step(
        assistance_client, hid, "village_review", village, {**review, "date": "2026-11-09"}
    )
    assert before.status_code == 422 and before.json()["error"]["field"] == "date"
