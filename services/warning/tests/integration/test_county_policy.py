"""Warning reads each county's policy (projected from the policy service) for the period.

NOTE: the run's database is shared, so each test changes a county or a period nobody else uses:
宾县 230125 and 兴县 141123 (seed counties no other warning test routes to), or 绥棱县 231226 in
years other tests never push.
"""

from datetime import datetime
from typing import Any

from shouwang.common.clock import SHANGHAI
from shouwang.common.identity import person_ref_of
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from shouwang.common.testing.policy import put_policy
from shouwang.warning.adapters.tables import policy_calendars
from sqlalchemy import select

BIN, BIN_TOWNSHIP, BIN_VILLAGE = "230125", "230125100", "230125100051"  # 宾县 宾州镇 东风社区
XING, XING_TOWNSHIP, XING_VILLAGE = "141123", "141123100", "141123100016"  # 兴县 蔚汾镇
URGENT = {"urgent": True, "urgent_reason": "突发重病"}


async def change_policy(policy_client, loop, county: str, since: str, **settings: Any) -> None:
    """PUT a county's settings from a date; wait until warning has projected the version."""
    database_url = loop.runtime.settings.database_url
    await put_policy(
        policy_client,
        database_url,
        county,
        projected_by="warning",
        effective_from=since,
        settings=settings,
        reason="县级调整",
    )


async def change_calendar(policy_client, loop, province: str, year: int, **days: list[str]):
    body = {"reason": "本省调休安排", **days}
    resp = await policy_client.put(
        f"/api/v1/calendar/{province}/{year}", json=body, headers=auth("province", province)
    )
    assert resp.status_code == 200, resp.text
    table = policy_calendars
    query = select(table.c.version).where(table.c.region_code == province, table.c.year == year)
    await _projected(loop, query, f"calendar {province}/{year}")


async def _projected(loop, query, what: str) -> None:
    async def found() -> bool:
        async with loop.runtime.sessionmaker() as session:
            return (await session.execute(query)).first() is not None

    await wait_until(found, what=what)


async def push_to(loop, county: str, items: list[dict], period: str, **fields: Any) -> dict:
    """Push a medical-insurance batch for a county; return its processed summary."""
    headers = auth("department", "medical_insurance", county=county)
    body = {"department": "medical_insurance", "period": period, "items": items, **fields}
    resp = await loop.client.post("/api/v1/warning-batches", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    url = f"/api/v1/warning-batches/{resp.json()['batch_id']}"

    async def done() -> dict | None:
        summary = (await loop.client.get(url, headers=auth("county", county))).json()
        return summary if summary.get("processing") == "done" else None

    return await wait_until(done, what=f"{url} processed")


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=SHANGHAI)


def medical(who: dict, village: str, paid: float) -> dict:
    values = {"self_paid_yuan": paid}
    return {**who, "village_code": village, "indicator": "large_medical_expense", "values": values}


async def tasks_of(loop, who: dict, county: str, township: str) -> list[dict]:
    secret = loop.runtime.settings.hmac_key.get_secret_value()
    ref = person_ref_of(who["id_number"], master_secret=secret, county_code=county)
    items = await list_all(loop.client, "/api/v1/tasks", headers=auth("township", township))
    return [t for t in items if t["person_ref"] == ref]


async def test_two_counties_classify_the_same_item_differently(policy_client, loop):
    await change_policy(
        policy_client, loop, BIN, "2026-01-01",
        indicator_thresholds={"large_medical_expense": {"self_paid_yuan.rural": 30000}},
    )  # fmt: skip
    who = loop.person()
    suiling = await push_to(loop, loop.COUNTY, [medical(who, loop.VILLAGE_A, 25000)], "2026-11")
    bin_county = await push_to(loop, BIN, [medical(who, BIN_VILLAGE, 25000)], "2026-11")
    assert (suiling["tasks_created"], suiling["below_threshold"]) == (1, 0)
    assert suiling["comparison"] == {"new": 1}
    assert (bin_county["tasks_created"], bin_county["below_threshold"]) == (0, 1)
    assert bin_county["comparison"] == {"below_threshold": 1}
    assert len(await tasks_of(loop, who, loop.COUNTY, loop.TOWNSHIP_A)) == 1
    assert await tasks_of(loop, who, BIN, BIN_TOWNSHIP) == []


async def test_an_item_under_the_medical_threshold_is_filed_without_a_task(loop):
    under, over = loop.person(), loop.person()
    summary = await loop.pushed_and_processed(
        [medical(under, loop.VILLAGE_A, 8000), medical(over, loop.VILLAGE_A, 20000)]
    )
    assert (summary["accepted"], summary["tasks_created"], summary["below_threshold"]) == (2, 1, 1)
    assert summary["comparison"] == {"below_threshold": 1, "new": 1}
    assert await tasks_of(loop, under, loop.COUNTY, loop.TOWNSHIP_A) == []
    assert len(await tasks_of(loop, over, loop.COUNTY, loop.TOWNSHIP_A)) == 1

    county = auth("county", loop.COUNTY)
    params = {"period": "2026-11", "department": "medical_insurance", "limit": 1}
    listed = await list_all(loop.client, "/api/v1/below-threshold", headers=county, params=params)
    [item] = [i for i in listed if i["person_ref"] == loop.ref(under)]
    assert (item["batch_id"], item["values"]) == (summary["batch_id"], {"self_paid_yuan": 8000})
    assert item["minimums"] == {"self_paid_yuan.rural": 20000.0}
    assert item["id_masked"].startswith(under["id_number"][:6]) and "id_number" not in item
    township = auth("township", loop.TOWNSHIP_A)
    assert (await loop.client.get("/api/v1/below-threshold", headers=township)).status_code == 403


async def test_registry_people_are_judged_by_the_lower_minimum_and_eliminated_is_a_class(loop):
    lifted, eliminated, stranger = loop.person(), loop.person(), loop.person()
    csv = (
        "身份证号,状态\n" + f"{lifted['id_number']},脱贫户\n{eliminated['id_number']},已消除风险\n"
    )
    resp = await loop.client.post(
        "/api/v1/registry/import", content=csv.encode(), headers=auth("county", loop.COUNTY)
    )
    assert resp.json()["imported"] == 2, resp.text
    items = [medical(who, loop.VILLAGE_A, 8000) for who in (lifted, eliminated, stranger)]
    summary = await loop.pushed_and_processed(items)
    assert summary["comparison"] == {"lifted": 1, "eliminated": 1, "below_threshold": 1}
    assert (await loop.task_for(eliminated))["comparison"] == "eliminated"


async def test_a_month_end_window_closes_on_the_last_day_of_any_month(policy_client, loop, clock):
    await change_policy(
        policy_client, loop, XING, "2026-11-01", push_window={"open_day": 1, "close": "month_end"}
    )
    for moment, period in (
        (datetime(2026, 11, 30, 23, 59, 59, 999000, tzinfo=SHANGHAI), "2026-11"),  # 30 days
        (datetime(2027, 2, 28, 23, 59, 59, 999000, tzinfo=SHANGHAI), "2027-02"),  # February
    ):
        clock.set(moment)
        summary = await push_to(loop, XING, [], period)
        assert summary["timeliness"] == "on_time", (period, summary)
    clock.set(datetime(2026, 11, 30, 12, tzinfo=SHANGHAI))
    seed_window = await loop.push([], period="2026-11")  # 绥棱县 keeps the 5th–15th
    assert seed_window.status_code == 409
    assert "每月5日至15日" in seed_window.json()["error"]["message"]
    clock.set(datetime(2026, 12, 1, tzinfo=SHANGHAI))
    headers = auth("department", "medical_insurance", county=XING)
    late = await loop.client.post(
        "/api/v1/warning-batches",
        json={"department": "medical_insurance", "period": "2026-11", "items": []},
        headers=headers,
    )
    assert late.status_code == 409 and "每月1日至月末" in late.json()["error"]["message"]


async def test_a_working_day_assign_deadline_skips_holidays_and_counts_a_make_up_saturday(
    policy_client, loop, clock
):
    await change_calendar(
        policy_client, loop, XING[:2], 2031,
        holidays=["2031-10-01", "2031-10-02", "2031-10-03", "2031-10-06", "2031-10-07"],
        workdays=["2031-10-11"],  # 调休: Saturday
    )  # fmt: skip
    await change_policy(
        policy_client, loop, XING, "2031-01-01", deadlines={"assign_working_days": 3}
    )
    before_holiday, before_saturday = loop.person(), loop.person()
    expected = {}
    for who, opened, assign_by in (
        (before_holiday, datetime(2031, 9, 30, 10, tzinfo=SHANGHAI), at(2031, 10, 10)),
        (before_saturday, datetime(2031, 10, 9, 10, tzinfo=SHANGHAI), at(2031, 10, 13)),
    ):
        clock.set(opened)
        period = opened.strftime("%Y-%m")
        summary = await push_to(loop, XING, [medical(who, XING_VILLAGE, 30000)], period, **URGENT)
        assert summary["tasks_created"] == 1
        expected[who["id_number"]] = assign_by
    for who in (before_holiday, before_saturday):
        [task] = await tasks_of(loop, who, XING, XING_TOWNSHIP)
        assert datetime.fromisoformat(task["assign_by"]) == expected[who["id_number"]]
    [task] = await tasks_of(loop, before_holiday, XING, XING_TOWNSHIP)
    assert datetime.fromisoformat(task["report_by"]) == at(2031, 10, 15)  # calendar days


async def test_a_lowered_threshold_applies_to_periods_from_its_date_only(
    policy_client, loop, clock
):
    await change_policy(
        policy_client, loop, loop.COUNTY, "2030-03-01",
        indicator_thresholds={"large_medical_expense": {"self_paid_yuan.rural": 10000}},
    )  # fmt: skip
    results = {}
    for period in ("2030-02", "2030-03"):
        clock.set(datetime.fromisoformat(f"{period}-10T09:00:00+08:00"))
        summary = await loop.pushed_and_processed(
            [medical(loop.person(), loop.VILLAGE_A, 15000)], period=period
        )
        results[period] = (summary["tasks_created"], summary["below_threshold"])
    assert results == {"2030-02": (0, 1), "2030-03": (1, 0)}
