"""Browser test of the village client offline (DESIGN "Village client offline"), at 390×844.

A village cadre opens the workbench once with signal: the service worker keeps the village's masked
pages. One monthly visit is recorded online; the phone loses the network, the cadre opens the cached
visit list and records a second one, which waits on the device and is shown as waiting. When the
network returns, it is sent by itself: each visit reaches the assistance API exactly once, with its
own Idempotency-Key, and the household file shows it. A visit outcome queued offline for a task that
was reported meanwhile comes back as a conflict on the cadre's screen and stays there.
"""

import random
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page, expect
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from shouwang.web.config import WebSettings
from shouwang.web.main import create_app
from shouwang.web.testing import served

COUNTY, TOWNSHIP, VILLAGE = "231226", "231226100", "231226100201"
PHONE = {"width": 390, "height": 844}
CACHED_TEXT = """async () => {
  const cache = await caches.open("shouwang-village-pages");
  const texts = [];
  for (const request of await cache.keys()) {
    texts.push(await (await cache.match(request)).text());
  }
  return {urls: (await cache.keys()).map(r => new URL(r.url).pathname), text: texts.join("\\n")};
}"""


@pytest.fixture
async def spied(
    make_settings: Any, clock: Any, warning_client: Any, assistance_client: Any, post_spy: Any
) -> AsyncIterator[tuple[str, Any, Any]]:
    """The workbench on a real port; the follow-up and report POSTs the APIs receive are noted."""
    followups = post_spy(assistance_client.app, "/followups")
    reports = post_spy(warning_client.app, "/report")
    async with served(reports) as warning, served(followups) as assistance:
        settings = make_settings(WebSettings, warning_url=warning, assistance_url=assistance)
        async with served(create_app(settings, clock=clock), lifespan="on") as url:
            yield url, followups, reports


def _person() -> str:
    return generate_id_number(random.Random(uuid.uuid4().int), region=COUNTY)


async def _monitored(assistance_client: Any, name: str, person: str) -> str:
    body = {
        "village_code": VILLAGE,
        "category": "边缘易致贫户",
        "status": "monitored",
        "monitored_since": "2026-06-01",
        "members": [{"id_number": person, "name": name, "relation": "户主", "labour": "full"}],
    }
    resp = await assistance_client.post(
        "/api/v1/households", json=body, headers=auth("county", COUNTY)
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def _fill_visit(page: Page, wage: str) -> None:
    await page.get_by_label("工资性收入").fill(wage)
    await page.get_by_label("住房安全有保障").check()


async def _months(assistance_client: Any, hid: str) -> list[str]:
    resp = await assistance_client.get(
        f"/api/v1/households/{hid}", headers=auth("village", VILLAGE)
    )
    return [f["month"] for f in resp.json().get("followups") or []]


async def _cached_for_offline(page: Page) -> None:
    """Wait until the service worker controls the page and has stored the village's pages."""
    await page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    await expect(page.locator("#net-status")).to_have_attribute(
        "data-cached", re.compile(r"^[1-9]\d*$")
    )


async def test_visits_recorded_offline_arrive_once(spied, login: Any, assistance_client):
    url, followups, _ = spied
    online_person, offline_person = _person(), _person()
    online_id = await _monitored(assistance_client, "孙明华", online_person)
    offline_id = await _monitored(assistance_client, "钱桂芳", offline_person)
    page = await login(url, "village", VILLAGE, viewport=PHONE)
    await _cached_for_offline(page)
    cached = await page.evaluate(CACHED_TEXT)
    assert f"/village/visits/{offline_id}" in cached["urls"]
    for secret in ("钱桂芳", offline_person, "孙明华", online_person):
        assert secret not in cached["text"]  # the device keeps masked pages only
    assert "钱**" in cached["text"]

    await page.goto(f"/village/visits/{online_id}")
    await _fill_visit(page, "2000")
    await page.get_by_role("button", name="保存本月走访").click()
    await expect(page.locator("#visit-result")).to_contain_text("2026-11 走访已保存")

    await page.context.set_offline(True)
    await page.goto("/village/visits")  # served by the service worker
    await expect(page.locator("#net-status")).to_have_attribute("data-online", "no")
    await page.locator(f'#visit-todo li[data-household-id="{offline_id}"] a').click()
    await expect(page.locator("h1")).to_contain_text("钱**")
    await _fill_visit(page, "1800")
    await page.get_by_role("button", name="保存本月走访").click()
    await expect(page.locator("#queued-notice")).to_contain_text("已保存在本机")
    queue = page.locator("#offline-queue")
    await expect(queue).to_have_attribute("data-pending", "1")
    waiting = page.locator('#queue-items li[data-state="pending"]')
    await expect(waiting).to_contain_text("钱** 月走访（2026-11）")
    assert followups.to(offline_id) == []  # nothing left the phone

    await page.context.set_offline(False)
    await expect(queue).to_have_attribute("data-pending", "0")
    await expect(page.locator("#queue-sent li")).to_contain_text("钱** 月走访（2026-11）")
    await wait_until(
        lambda: _months(assistance_client, offline_id), timeout=10, what="the queued visit"
    )
    assert await _months(assistance_client, offline_id) == ["2026-11"]
    assert await _months(assistance_client, online_id) == ["2026-11"]
    online_keys, offline_keys = followups.to(online_id), followups.to(offline_id)
    assert len(online_keys) == 1 and len(offline_keys) == 1  # each arrived exactly once
    assert offline_keys[0] and online_keys[0] and offline_keys != online_keys
    queued_key = await page.locator("#queue-sent li").last.get_attribute("data-key")
    assert queued_key == offline_keys[0]  # the key made on the phone when it was recorded

    await page.reload()  # a later flush sends nothing again
    await expect(queue).to_have_attribute("data-pending", "0")
    await page.goto(f"/households/{offline_id}")
    await expect(page.locator('#followup-table tr[data-month="2026-11"]')).to_contain_text(
        "1800.00"
    )
    assert len(followups.to(offline_id)) == 1
    await page.context.close()


async def _assigned_task(warning_client: Any, person: str) -> str:
    item = {
        "id_number": person,
        "name": "周德顺",
        "village_code": VILLAGE,
        "indicator": "large_medical_expense",
        "values": {"self_paid_yuan": 23000},
    }
    pushed = await warning_client.post(
        "/api/v1/warning-batches",
        json={"department": "medical_insurance", "period": "2026-11", "items": [item]},
        headers=auth("department", "medical_insurance", county=COUNTY),
    )
    assert pushed.status_code == 202, pushed.text
    township, masked = auth("township", TOWNSHIP), person[:6] + "********" + person[-4:]

    async def routed() -> Any:
        items = await list_all(warning_client, "/api/v1/tasks", headers=township)
        return next((t for t in items if t["id_masked"] == masked), None)

    tid = str((await wait_until(routed, what="the warning's task"))["task_id"])
    resp = await warning_client.post(
        f"/api/v1/tasks/{tid}/assign", headers=township, json={"village_code": VILLAGE}
    )
    assert resp.status_code == 200, resp.text
    return tid


async def test_offline_outcome_conflict_is_shown(spied, login: Any, warning_client):
    url, _, reports = spied
    person = _person()
    tid = await _assigned_task(warning_client, person)
    page = await login(url, "village", VILLAGE, viewport=PHONE)
    await _cached_for_offline(page)
    cached = await page.evaluate(CACHED_TEXT)
    assert f"/village/tasks/{tid}" in cached["urls"] and person not in cached["text"]

    await page.context.set_offline(True)
    await page.goto(f"/village/tasks/{tid}")
    await expect(page.locator("#masked-copy")).to_be_visible()
    await page.get_by_label("无风险", exact=True).check()
    await page.get_by_label("原因说明（选“无风险”时必填）").fill("收入稳定")
    await page.get_by_role("button", name="提交核实结果").click()
    await expect(page.locator("#offline-queue")).to_have_attribute("data-pending", "1")

    # meanwhile the outcome is reported from elsewhere (the township, on the cadre's word)
    resp = await warning_client.post(
        f"/api/v1/tasks/{tid}/report",
        headers=auth("township", TOWNSHIP),
        json={"outcome": "risk_confirmed", "reason": "大额医疗自付", "visited_on": "2026-11-10"},
    )
    assert resp.status_code == 200, resp.text
    await page.context.set_offline(False)
    conflict = page.locator(f'#queue-items li[data-state="conflict"][data-target="{tid}"]')
    await expect(conflict).to_contain_text("周** 核实结果")
    await expect(conflict.locator(".error")).to_contain_text("不能上报")
    await expect(page.locator("#offline-queue")).to_have_attribute("data-conflicts", "1")
    await page.reload()
    await expect(conflict).to_be_visible()  # kept until the cadre has seen it
    await conflict.get_by_role("button", name="已知晓，移除此条").click()
    await expect(conflict).to_have_count(0)
    assert len(reports.to(tid)) == 1  # one replay, with its key; a conflict is not retried
    await page.context.close()
