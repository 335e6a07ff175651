"""政策调整模拟 against the real policy service: its facts come as real events on the broker (a
household's month, a batch's thresholded items), as assistance and warning publish them.

NOTE: the county is the test's own (not in the seed geography: townships show by code), so the
counts are exact whatever else the run records.
"""

import io
import re
import uuid
from datetime import datetime

from aiokafka import AIOKafkaProducer
from openpyxl import load_workbook
from pydantic import BaseModel
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog.assistance import FollowupRecorded
from shouwang.common.events.catalog.warning import IndicatorFact, ItemIndicators
from shouwang.common.events.envelope import new_envelope, to_kafka
from shouwang.common.testing.fixtures import auth, wait_until

COUNTY = "850102"
NEAR, FAR = "850102001001", "850102002001"  # villages of two townships
RECORDED = datetime(2026, 11, 1, 9, tzinfo=SHANGHAI)
THRESHOLD = "large_medical_expense|self_paid_yuan.lifted"


async def produce(bootstrap: str, *events: BaseModel) -> None:
    """Put events on their topics as the services' relays do (CloudEvents binary mode)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for data in events:
            subject = str(getattr(data, "household_id", None) or getattr(data, "batch_id", ""))
            envelope = new_envelope(data, source="/tests/web", subject=subject, time=RECORDED)
            key, value, headers = to_kafka(envelope)
            await producer.send_and_wait(envelope.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def month(household: str, village: str, income: float) -> FollowupRecorded:
    return FollowupRecorded(
        household_id=household, county_code=COUNTY, village_code=village, month="2026-10",
        annual_income_per_person=income, household_size=2, flags=[],
    )  # fmt: skip


def items(batch: str, paid: float) -> ItemIndicators:
    fact = IndicatorFact(
        item_id=f"{batch}:0", township_code=NEAR[:9], village_code=NEAR,
        indicator="large_medical_expense", values={"self_paid_yuan": paid}, qualifiers=["lifted"],
    )  # fmt: skip
    return ItemIndicators(batch_id=batch, county_code=COUNTY, department="medical_insurance",
                          period="2026-11", items=[fact])  # fmt: skip


def cells(html: str, row_id: str) -> list[str]:
    match = re.search(rf"<tr {row_id}.*?</tr>", html, re.S)
    assert match, row_id
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(0), re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in found]


async def test_the_what_if_shows_townships_households_items_and_the_sheet(
    policy_web, policy_client, stack
):
    run = uuid.uuid4().hex[:8]
    below, above, batch = f"{run}-7000", f"{run}-9000", f"{run}-batch"
    await produce(
        stack.kafka_bootstrap,
        month(below, NEAR, 7000),
        month(above, FAR, 9000),
        items(batch, 5500),  # routed at the 5,000 minimum; below a proposed 6,000
    )
    county = await policy_web.login("county", COUNTY)
    form = (await county.get("/policy/what-if")).text
    assert "模拟结果，不会改变现行政策" in form and 'value="6500"' in form
    query = {"monitoring_line_yuan": "7500", "threshold": THRESHOLD, "threshold_minimum": "6000",
             "on": "2026-11-10", "run": "1"}  # fmt: skip

    async def simulated() -> str | None:
        page = await county.get("/policy/what-if", params=query)
        assert page.status_code == 200, page.text
        return page.text if below in page.text and f"{batch}:0" in page.text else None

    page = await wait_until(simulated, what="the facts projected and simulated")
    assert 'id="what-if-result"' in page and "模拟结果，不会改变现行政策" in page
    assert cells(page, 'data-township="850102001"') == ["850102001", "1", "0", "1", "0"]
    assert 'data-township="850102002"' not in page, "9,000 stays above a 7,500 line"
    household = cells(page, f'data-household-id="{below}"')
    assert household[4:] == ["7,000", "低于监测线", "新增"]
    assert above not in page
    item = cells(page, f'data-item-id="{batch}:0"')
    assert item[0] == "医保局" and item[-2:] == ["派发核实", "低于阈值（不派发）"]
    assert "自付金额（元） 5,500" in item

    sheet = await county.get("/policy/what-if.xlsx", params=query)
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in sheet.headers["content-disposition"]
    book = load_workbook(io.BytesIO(sheet.content))
    assert below in str([list(ws.values) for ws in book.worksheets])

    history = await policy_client.get(
        f"/api/v1/policy/{COUNTY}/history", headers=auth("county", COUNTY)
    )
    assert history.json()["items"] == [], "a simulation records no version"


async def test_what_if_errors_show_at_their_field(policy_web):
    county = await policy_web.login("county", "850103")
    bad = await county.get("/policy/what-if", params={"monitoring_line_yuan": "-1", "run": "1"})
    assert bad.status_code == 422 and 'id="err-monitoring_line_yuan"' in bad.text
    same = await county.get("/policy/what-if", params={"monitoring_line_yuan": "6500", "run": "1"})
    assert same.status_code == 422 and "请至少修改一项" in same.text
    empty = await county.get("/policy/what-if.xlsx")
    assert empty.status_code == 422
    province = await policy_web.login("province", "85")
    own = await province.get("/policy/what-if", params={"lifted_average_yuan": "13000", "run": "1"})
    assert own.status_code == 200 and "省级（85） · 政策调整模拟" in own.text
    assert 'id="what-if-result"' in own.text, "a province simulates its own layer"
