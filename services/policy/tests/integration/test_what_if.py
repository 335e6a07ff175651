"""The what-if: real `followup.recorded` and `items.indicators` events on the broker, projected by
the policy service, judged against a proposed line or threshold; nothing live changes.

NOTE: the run's database and broker are shared: each test owns a province no other test uses
(71–75; their counties are not in the seed geography, so they have no township names) or, for
the township name, looks only at its own household.
"""

import io
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from openpyxl import load_workbook
from pydantic import BaseModel
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog.assistance import FollowupRecorded
from shouwang.common.events.catalog.warning import IndicatorFact, ItemIndicators
from shouwang.common.events.envelope import new_envelope, to_kafka
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, wait_until

URL = "/api/v1/policy"
ON = "2026-11-10"
RECORDED = datetime(2026, 11, 1, 9, tzinfo=SHANGHAI)
LIFTED_ONLY = {"self_paid_yuan.rural": 20000, "self_paid_yuan.outpatient_monthly": 500}


async def produce(bootstrap: str, *events: tuple[BaseModel, datetime]) -> None:
    """Put events on their topics as the services' relays do (CloudEvents binary mode)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for data, at in events:
            subject = str(getattr(data, "household_id", None) or getattr(data, "batch_id", ""))
            envelope = new_envelope(data, source="/tests/what-if", subject=subject, time=at)
            key, value, headers = to_kafka(envelope)
            await producer.send_and_wait(envelope.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def month(
    household: str, village: str, income: float, when: str = "2026-10", flags: Any = ()
) -> FollowupRecorded:
    return FollowupRecorded(
        household_id=household, county_code=village[:6], village_code=village, month=when,
        annual_income_per_person=income, household_size=3, flags=list(flags),
    )  # fmt: skip


async def fetch(database_url: str, sql: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def projected(database_url: str, table: str, column: str, expected: dict[str, Any]) -> None:
    """Wait until the policy projection holds each key with its value of `column`."""
    sql = f"SELECT household_id AS key, {column} AS v FROM policy.{table}"
    if table == "item_facts":
        sql = f"SELECT item_id AS key, {column} AS v FROM policy.{table}"

    async def done() -> bool:
        rows = {r["key"]: r["v"] for r in await fetch(database_url, sql)}
        return all(rows.get(k) == v for k, v in expected.items())

    await wait_until(done, what=f"{table} projected")


async def ask(client: Any, region: str, headers: dict[str, str], settings: Any, **kw: Any) -> Any:
    body = {"settings": settings, "on": ON}
    return await client.post(f"{URL}/{region}/what-if", json=body, headers=headers, **kw)


def ids(rows: list[dict[str, Any]], **match: str) -> set[str]:
    return {r["household_id"] for r in rows if all(r[k] == v for k, v in match.items())}


async def test_a_line_lists_exactly_the_households_whose_flag_would_change(
    policy_client: Any, stack: Any, database_url: str
) -> None:
    a, b = "710102001001", "710102002001"  # two townships of a county of its own
    run = uuid.uuid4().hex[:8]
    incomes = {"5900": (a, 5900), "6000": (a, 6000), "6250": (a, 6250), "6499": (a, 6499.99),
               "6500": (a, 6500), "7000": (b, 7000)}  # fmt: skip
    hid = {label: f"{run}-{label}" for label in [*incomes, "moved-up", "future", "re"]}
    later = RECORDED + timedelta(days=1)
    await produce(
        stack.kafka_bootstrap,
        *((month(hid[k], v, income), RECORDED) for k, (v, income) in incomes.items()),
        # the latest month counts: 6,100 in September, 7,200 in October
        (month(hid["moved-up"], b, 6100, "2026-09"), RECORDED),
        (month(hid["moved-up"], b, 7200, "2026-10"), RECORDED),
        # a month after the day asked about does not count: September's 6,300 does
        (month(hid["future"], b, 6300, "2026-09"), RECORDED),
        (month(hid["future"], b, 9000, "2026-12"), RECORDED),
        # a month recorded again: the newer record stays even if the older arrives after it
        (month(hid["re"], b, 8000), later),
        (month(hid["re"], b, 6400), RECORDED),
    )
    await projected(database_url, "followup_facts", "count(*) OVER (PARTITION BY household_id)",
                    {hid["moved-up"]: 2, hid["future"]: 2, hid["re"]: 1})  # fmt: skip
    await projected(database_url, "followup_facts", "per_person_yuan",
                    {hid["re"]: 8000.0, hid["6499"]: 6499.99})  # fmt: skip
    county = auth("county", "710102")

    lower = await ask(policy_client, "710102", county, {"monitoring_line_yuan": 6000})
    assert lower.status_code == 200, lower.text
    body = lower.json()
    assert body["region_code"] == "710102" and body["on"] == ON
    assert body["settings"] == {"monitoring_line_yuan": {"current": 6500.0, "proposed": 6000.0}}
    rows = body["households"]
    assert ids(rows, flag="below_monitoring_line", change="lost") == {
        hid["6000"],
        hid["6250"],
        hid["6499"],
        hid["future"],
    }
    assert len(rows) == 4 and body["items"] == []
    future = next(r for r in rows if r["household_id"] == hid["future"])
    assert future == {
        "household_id": hid["future"], "county_code": "710102", "township_code": "710102002",
        "village_code": b, "month": "2026-09", "per_person_yuan": 6300.0,
        "flag": "below_monitoring_line", "change": "lost",
    }  # fmt: skip
    assert body["townships"] == [
        {"township_code": "710102001", "township_name": None, "households_gained": 0,
         "households_lost": 3, "items_to_below_threshold": 0, "items_to_routed": 0},
        {"township_code": "710102002", "township_name": None, "households_gained": 0,
         "households_lost": 1, "items_to_below_threshold": 0, "items_to_routed": 0},
    ]  # fmt: skip
    assert body["totals"] == {"households_gained": 0, "households_lost": 4,
                              "items_to_below_threshold": 0, "items_to_routed": 0}  # fmt: skip

    raise_ = await ask(policy_client, "710102", county, {"monitoring_line_yuan": 7100})
    assert ids(raise_.json()["households"]) == {hid["6500"], hid["7000"]}
    assert ids(raise_.json()["households"], change="gained") == {hid["6500"], hid["7000"]}
    # the lifted average (12,550) down to 7,100: those at 7,100 or more leave that flag
    average = await ask(policy_client, "710102", county, {"lifted_average_yuan": 7100})
    assert ids(average.json()["households"], flag="below_lifted_average", change="lost") == {
        hid["moved-up"],
        hid["re"],
    }
    assert len(average.json()["households"]) == 2


async def test_a_province_proposal_reaches_counties_without_their_own_value(
    policy_client: Any, stack: Any, database_url: str
) -> None:
    run = uuid.uuid4().hex[:8]
    plain, own = f"{run}-plain", f"{run}-own"
    put = await policy_client.put(
        f"{URL}/720102", headers=auth("county", "720102"),
        json={"effective_from": "2026-01-01", "reason": "本县监测线",
              "settings": {"monitoring_line_yuan": 6800}},
    )  # fmt: skip
    assert put.status_code == 200, put.text
    await produce(
        stack.kafka_bootstrap,
        (month(plain, "720101001001", 6200), RECORDED),
        (month(own, "720102001001", 6200), RECORDED),
    )
    await projected(database_url, "followup_facts", "per_person_yuan",
                    {plain: 6200.0, own: 6200.0})  # fmt: skip

    resp = await ask(policy_client, "72", auth("province", "72"), {"monitoring_line_yuan": 6000})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert ids(body["households"]) == {plain}, "720102 keeps its own line of 6,800"
    assert body["settings"] == {"monitoring_line_yuan": {"current": 6500.0, "proposed": 6000.0}}
    county = await ask(policy_client, "720102", auth("county", "720102"),
                       {"monitoring_line_yuan": 6000})  # fmt: skip
    assert ids(county.json()["households"]) == {own}
    assert county.json()["settings"]["monitoring_line_yuan"]["current"] == 6800.0


def fact(item_id: str, paid: float, *qualifiers: str, village: str = "730101001001") -> Any:
    return IndicatorFact(
        item_id=item_id, township_code=village[:9], village_code=village,
        indicator="large_medical_expense", values={"self_paid_yuan": paid},
        qualifiers=list(qualifiers),
    )  # fmt: skip


def chunk(batch: str, period: str, items: list[Any]) -> ItemIndicators:
    return ItemIndicators(batch_id=batch, county_code="730101", department="medical_insurance",
                          period=period, items=items)  # fmt: skip


async def test_a_threshold_moves_exactly_the_items_between_the_old_and_new_minimum(
    policy_client: Any, stack: Any, database_url: str
) -> None:
    run = uuid.uuid4().hex[:8]
    old, new, late = f"{run}-old", f"{run}-new", f"{run}-late"
    lifted = {4000: 0, 5000: 1, 5500: 2, 5999.5: 3, 6000: 4, 7000: 5}
    first = [fact(f"{new}:{i}", paid, "lifted") for paid, i in lifted.items()]
    first += [
        fact(f"{new}:6", 15000, "rural"),
        fact(f"{new}:7", 600, "outpatient_monthly", "rural", village="730101002001"),
    ]
    await produce(
        stack.kafka_bootstrap,
        (chunk(old, "2026-10", [fact(f"{old}:0", 5500, "lifted")]), RECORDED),
        (chunk(new, "2026-11", first), RECORDED),
        (chunk(late, "2026-09", [fact(f"{late}:0", 5500, "lifted")]), RECORDED),  # older: ignored
        (chunk(new, "2026-11", [fact(f"{new}:8", 5800, "lifted")]), RECORDED),
    )
    await projected(database_url, "item_facts", "period", {f"{new}:8": "2026-11"})
    kept = await fetch(
        database_url, "SELECT item_id FROM policy.item_facts WHERE county_code = '730101'"
    )
    assert {r["item_id"] for r in kept} == {f"{new}:{i}" for i in range(9)}, "latest period only"

    county = auth("county", "730101")
    thresholds = {"large_medical_expense": {"self_paid_yuan.lifted": 6000, **LIFTED_ONLY}}
    up = await ask(policy_client, "730101", county, {"indicator_thresholds": thresholds})
    assert up.status_code == 200, up.text
    body = up.json()
    moved = {i["item_id"]: i for i in body["items"]}
    assert set(moved) == {f"{new}:1", f"{new}:2", f"{new}:3", f"{new}:8"}
    assert moved[f"{new}:3"] == {
        "item_id": f"{new}:3", "batch_id": new, "county_code": "730101",
        "department": "medical_insurance", "period": "2026-11", "township_code": "730101001",
        "village_code": "730101001001", "indicator": "large_medical_expense",
        "values": {"self_paid_yuan": 5999.5}, "current_class": "routed",
        "proposed_class": "below_threshold",
    }  # fmt: skip
    assert body["settings"] == {
        "indicator_thresholds": {
            "current": {"large_medical_expense": {"self_paid_yuan.lifted": 5000.0, **LIFTED_ONLY}},
            "proposed": {"large_medical_expense": {"self_paid_yuan.lifted": 6000.0, **LIFTED_ONLY}},
        }
    }
    assert body["totals"]["items_to_below_threshold"] == 4 and body["households"] == []

    thresholds["large_medical_expense"]["self_paid_yuan.lifted"] = 3500
    down = await ask(policy_client, "730101", county, {"indicator_thresholds": thresholds})
    assert [(i["item_id"], i["proposed_class"]) for i in down.json()["items"]] == [
        (f"{new}:0", "routed")
    ]
    assert down.json()["townships"][0]["items_to_routed"] == 1


async def test_the_sheet_has_the_three_chinese_sheets_and_nothing_live_changes(
    policy_client: Any, stack: Any, database_url: str
) -> None:
    run = uuid.uuid4().hex[:8]
    homes = [f"{run}-{i}" for i in range(3)]
    await produce(
        stack.kafka_bootstrap,
        (month(homes[0], "740101001001", 6100), RECORDED),
        (month(homes[1], "740101001002", 6200), RECORDED),
        (month(homes[2], "740101002001", 6300), RECORDED),
    )
    await projected(database_url, "followup_facts", "per_person_yuan",
                    dict(zip(homes, (6100.0, 6200.0, 6300.0), strict=True)))  # fmt: skip
    county = auth("county", "740101")
    before = (await policy_client.get(f"{URL}/740101/history", headers=county)).json()
    outbox = "SELECT count(*) AS n FROM policy.outbox"
    staged = (await fetch(database_url, outbox))[0]["n"]

    resp = await ask(policy_client, "740101", county, {"monitoring_line_yuan": 6000},
                     params={"format": "xlsx"})  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(resp.content), read_only=True)
    assert book.sheetnames == ["乡镇汇总", "户", "预警事项"]
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert sheets["乡镇汇总"][0][:3] == ("乡镇代码", "乡镇名称", "新增标记户数")
    assert len(sheets["乡镇汇总"]) == 1 + 2 + 1  # header, two townships, 合计
    assert sheets["乡镇汇总"][-1][0] == "合计" and sheets["乡镇汇总"][-1][3] == 3
    assert len(sheets["户"]) == 1 + 3 and sheets["户"][0][0] == "户编号"
    assert {row[0] for row in sheets["户"][1:]} == set(homes)
    assert {row[6:] for row in sheets["户"][1:]} == {("低于监测线", "取消")}
    assert len(sheets["预警事项"]) == 1 and sheets["预警事项"][0][0] == "事项编号"

    after = (await policy_client.get(f"{URL}/740101/history", headers=county)).json()
    assert after == before == {"items": [], "next_cursor": None}
    assert (await fetch(database_url, outbox))[0]["n"] == staged, "no event staged"
    current = await policy_client.get(f"{URL}/740101", params={"on": ON}, headers=county)
    assert current.json()["settings"]["monitoring_line_yuan"]["value"] == 6500.0


async def test_the_township_name_comes_from_the_geography(
    policy_client: Any, stack: Any, database_url: str
) -> None:
    home = f"{uuid.uuid4().hex[:8]}-laiyuan"
    await produce(stack.kafka_bootstrap, (month(home, "130630100201", 50), RECORDED))
    await projected(database_url, "followup_facts", "per_person_yuan", {home: 50.0})
    resp = await ask(policy_client, "130630", auth("county", "130630"),
                     {"monitoring_line_yuan": 10})  # fmt: skip
    body = resp.json()
    assert ids(body["households"], change="lost") >= {home}
    (laiyuan,) = [t for t in body["townships"] if t["township_code"] == "130630100"]
    assert laiyuan["township_name"] == "涞源镇"


async def test_only_the_layers_owner_may_ask_and_bad_settings_name_their_field(
    policy_client: Any,
) -> None:
    settings = {"monitoring_line_yuan": 6000}
    refused = [
        (auth("township", "750101001"), "750101"),
        (auth("village", "750101001001"), "750101"),
        (auth("county", "750102"), "750101"),
        (auth("province", "75"), "750101"),  # a province asks about its own layer only
        (auth("county", "750101"), "75"),
        (auth("department", "health", county="750101"), "750101"),
        (auth("auditor"), "750101"),
    ]
    for headers, region in refused:
        resp = await ask(policy_client, region, headers, settings)
        assert resp.status_code == 403, (region, resp.text)
    county = auth("county", "750101")
    for bad, field in (
        ({"monitoring_line_yuan": -1}, "settings.monitoring_line_yuan"),
        (
            {"indicator_thresholds": {"nonsense": {"x": 1}}},
            "settings.indicator_thresholds.nonsense",
        ),
        ({"no_such_setting": 1}, "settings.no_such_setting"),
    ):
        resp = await ask(policy_client, "750101", county, bad)
        assert resp.status_code == 422, resp.text
        error = resp.json()["error"]
        assert error["field"] == field and field.removeprefix("settings.") in error["message"]
    assert (await ask(policy_client, "750101", county, {})).status_code == 422
    assert (await policy_client.post(f"{URL}/750101/what-if", json={})).status_code == 401


async def test_a_month_recorded_in_assistance_reaches_the_what_if(
    policy_client: Any, assistance_client: Any, database_url: str
) -> None:
    village = "230125101200"  # 宾县: assistance registers it, policy projects its month
    head = {"id_number": generate_id_number(random.Random(uuid.uuid4().int)), "name": "赵明",
            "relation": "户主", "labour": "full", "phone": "13812345678"}  # fmt: skip
    body = {"village_code": village, "category": "边缘易致贫户", "members": [head]}
    county = auth("county", village[:6])
    registered = await assistance_client.post("/api/v1/households", json=body, headers=county)
    assert registered.status_code == 201, registered.text
    hid = registered.json()["id"]
    recorded = await assistance_client.post(
        f"/api/v1/households/{hid}/followups", headers=auth("village", village),
        json={"month": "2026-10", "income": {"wage": 450}},
    )  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    income = recorded.json()["per_person_yuan"]
    await projected(database_url, "followup_facts", "per_person_yuan", {hid: income})

    resp = await ask(policy_client, village[:6], county, {"monitoring_line_yuan": income - 1})
    (mine,) = [h for h in resp.json()["households"] if h["household_id"] == hid]
    assert mine == {
        "household_id": hid, "county_code": "230125", "township_code": "230125101",
        "village_code": village, "month": "2026-10", "per_person_yuan": income,
        "flag": "below_monitoring_line", "change": "lost",
    }  # fmt: skip
