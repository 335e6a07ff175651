"""When the quarterly elimination steps run: seed 001's days by default (pre-judgement 中旬, the
village review 下旬 of the quarter's last month), or the county's own `elimination_schedule`."""

from datetime import datetime

from shouwang.common.clock import SHANGHAI
from shouwang.common.testing.fixtures import auth

from .conftest import member
from .test_policy_followups import _set_policy

# NOTE: 涞源县 130630 owns its elimination schedule here (the run's database is shared)
LAIYUAN, SUILING = "130630100201", "231226100201"
SECURE = {"education": True, "medical": True, "housing": True, "water": True}
REVIEW = [{"name": "护林员", "in_place": True, "effective": True, "effect": "月增收500元"}]
# February, May, August, November; pre-judgement on the 29th–30th, review from the 31st: each
# day past a month's end is its last day (30 November, 28 February 2027)
LATE = {"months": [2, 5, 8, 11], "prejudge_from_day": 29, "prejudge_to_day": 30,
        "review_from_day": 31}  # fmt: skip


def at(year, month, day):
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


async def _eligible(client, village, *, since, months, measure, protection=()):
    """A monitored household meeting every pre-judgement criterion (wage 1,500 a month)."""
    county = auth("county", village[:6])
    body = {"village_code": village, "category": "边缘易致贫户", "monitored_since": since,
            "protection": list(protection), "members": [member()]}  # fmt: skip
    resp = await client.post("/api/v1/households", json=body, headers=county)
    assert resp.status_code == 201, resp.text
    hid = resp.json()["id"]
    starts_on, ends_on = measure
    plan = {"cadre_name": "刘书记", "measures": [
        {"type": "公益岗位", "name": "护林员", "starts_on": starts_on, "ends_on": ends_on,
         "amount_yuan": 6000}]}  # fmt: skip
    resp = await client.post(
        f"/api/v1/households/{hid}/plans", headers=auth("village", village), json=plan
    )
    assert resp.status_code == 201, resp.text
    for month in months:
        resp = await client.post(
            f"/api/v1/households/{hid}/followups",
            headers=auth("village", village),
            json={"month": month, "income": {"wage": 1500}},
        )
        assert resp.status_code == 201, resp.text
    return hid


async def _step(client, hid, village, step, body):
    headers = auth("township", village[:9])
    return await client.post(
        f"/api/v1/households/{hid}/elimination/{step}", headers=headers, json=body
    )


def _outside(resp, next_opening):
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "outside_elimination_window", error
    assert error["details"]["next_opening"] == next_opening
    return error["message"]


def _prejudge(day):
    return {"date": day, "security": SECURE, "measure_review": REVIEW}


def _onsite(day):
    return {"date": day, "checked_by": "王专干", "household_signed": True}


def _review(day):
    return {"result": "pass", "date": day, "attendees": 30}


async def test_the_default_opens_mid_month_then_the_review_and_the_deferred_exit_late(
    assistance_client, clock
):
    clock.set(at(2026, 3, 1))
    hid = await _eligible(
        assistance_client, SUILING, since="2025-08-01", protection=["低保"],
        months=[f"2025-{m:02d}" for m in range(9, 13)] + ["2026-01", "2026-02"],
        measure=("2025-09-01", "2026-12-31"),
    )  # fmt: skip
    clock.set(at(2026, 3, 5))
    early = await _step(assistance_client, hid, SUILING, "prejudge", _prejudge("2026-03-05"))
    assert "下一次于 2026年3月11日 开始" in _outside(early, "2026-03-11")
    clock.set(at(2026, 3, 15))
    ok = await _step(assistance_client, hid, SUILING, "prejudge", _prejudge("2026-03-15"))
    assert ok.status_code == 200, ok.text
    ok = await _step(assistance_client, hid, SUILING, "onsite_check", _onsite("2026-03-15"))
    assert ok.status_code == 200, ok.text
    early = await _step(assistance_client, hid, SUILING, "village_review", _review("2026-03-15"))
    assert "村级民主评议在每季度末月 21 日至月末开展" in _outside(early, "2026-03-21")
    clock.set(at(2026, 3, 25))
    ok = await _step(assistance_client, hid, SUILING, "village_review", _review("2026-03-25"))
    assert ok.status_code == 200, ok.text
    marked = await _step(assistance_client, hid, SUILING, "mark", {"date": "2026-03-25"})
    assert marked.json()["outcome"] == "deferred_exit", marked.text
    # 缓退 under 低保: out at the next quarterly review, late in June
    clock.set(at(2026, 6, 20))
    early = await _step(assistance_client, hid, SUILING, "exit", {})
    assert "缓退户在保障终止或缓退后的下一次季度评议" in _outside(early, "2026-06-21")
    clock.set(at(2026, 6, 25))
    done = await _step(assistance_client, hid, SUILING, "exit", {})
    assert done.status_code == 200, done.text
    assert done.json()["reason"] == "quarterly_review" and done.json()["date"] == "2026-06-25"


async def test_a_county_schedule_by_policy_version_moves_only_its_own_windows(
    assistance_client, policy_client, database_url, clock
):
    await _set_policy(
        policy_client, database_url, "130630", "2026-11-01", elimination_schedule=LATE
    )
    clock.set(at(2026, 9, 15))
    young = {"village_code": LAIYUAN, "category": "边缘易致贫户", "monitored_since": "2026-09-01"}
    unfit = []  # monitored too briefly: the window opens, then the criteria refuse
    for _ in range(2):
        body = {**young, "members": [member()]}
        resp = await assistance_client.post(
            "/api/v1/households", json=body, headers=auth("county", "130630")
        )
        assert resp.status_code == 201, resp.text
        unfit.append(resp.json()["id"])
    before = await _step(assistance_client, unfit[0], LAIYUAN, "prejudge", {"date": "2026-09-15"})
    assert before.json()["error"]["code"] == "prejudge_criteria_not_met", before.text  # default

    clock.set(at(2026, 11, 10))
    kwargs = {"since": "2026-03-01", "months": [f"2026-{m:02d}" for m in range(4, 11)],
              "measure": ("2026-04-01", "2027-03-31")}  # fmt: skip
    laiyuan = await _eligible(assistance_client, LAIYUAN, **kwargs)
    suiling = await _eligible(assistance_client, SUILING, **kwargs)

    clock.set(at(2026, 11, 20))
    refused = await _step(assistance_client, laiyuan, LAIYUAN, "prejudge", _prejudge("2026-11-20"))
    message = _outside(refused, "2026-11-29")
    assert message.startswith("风险消除预判在每年 2、5、8、11 月 29 日至 30 日开展")
    refused = await _step(assistance_client, suiling, SUILING, "prejudge", _prejudge("2026-11-20"))
    _outside(refused, "2026-12-11")

    clock.set(at(2026, 11, 29))
    ok = await _step(assistance_client, laiyuan, LAIYUAN, "prejudge", _prejudge("2026-11-29"))
    assert ok.status_code == 200, ok.text
    ok = await _step(assistance_client, laiyuan, LAIYUAN, "onsite_check", _onsite("2026-11-29"))
    assert ok.status_code == 200, ok.text
    # review from the 31st: November has 30 days, so its review opens on the 30th
    early = await _step(
        assistance_client, laiyuan, LAIYUAN, "village_review", _review("2026-11-29")
    )
    _outside(early, "2026-11-30")
    refused = await _step(assistance_client, suiling, SUILING, "prejudge", _prejudge("2026-11-29"))
    _outside(refused, "2026-12-11")

    clock.set(at(2026, 11, 30))
    ok = await _step(assistance_client, laiyuan, LAIYUAN, "village_review", _review("2026-11-30"))
    assert ok.status_code == 200, ok.text

    clock.set(at(2026, 12, 15))
    ok = await _step(assistance_client, suiling, SUILING, "prejudge", _prejudge("2026-12-15"))
    assert ok.status_code == 200, ok.text
    refused = await _step(assistance_client, unfit[1], LAIYUAN, "prejudge", {"date": "2026-12-15"})
    assert "下一次于 2027年2月28日 开始" in _outside(refused, "2027-02-28")  # February's last day
