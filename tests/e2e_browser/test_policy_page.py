"""Browser test of 政策参数: a county raises its line, a window error shows at its field (390 px),
the calendar fallback warns, a province views one of its counties read-only, and a county
simulates a higher line (facts as real events on the broker) and downloads the sheet.

Debian Chromium against the real policy app on a real port. The county and province codes are the
test's own (the run's database is shared): no seed county's rules change under other tests.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import Page, expect
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog.assistance import FollowupRecorded
from shouwang.common.events.envelope import new_envelope, to_kafka
from shouwang.web.config import WebSettings
from shouwang.web.main import create_app
from shouwang.web.testing import served

SCREENSHOTS = Path(__file__).parent / "screenshots"
COUNTY, PROVINCE = "870102", "87"
PHONE = {"width": 390, "height": 844}
UNLABELLED = """() => Array.from(document.querySelectorAll(
  'input:not([type=hidden]), select, textarea')).filter(el => !el.labels || !el.labels.length)
  .map(el => el.id || el.name)"""
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
  'main button, main a.button, main input:not([type=hidden]):not([type=checkbox]), main select,'
  + ' main textarea, main .check')).filter(el => el.getBoundingClientRect().height < 44)
  .map(el => el.id || el.name || el.textContent.trim())"""


@pytest.fixture
async def web_url(
    make_settings: Any, clock: Any, policy_client: Any, warning_client: Any, intake_client: Any
) -> AsyncIterator[str]:
    """The workbench on a real port, with the policy app (and the county home's) on real ports."""
    async with (
        served(policy_client.app) as policy,
        served(warning_client.app) as warning,
        served(intake_client.app) as intake,
    ):
        urls = {"policy_url": policy, "warning_url": warning, "intake_url": intake}
        settings = make_settings(WebSettings, **urls)
        async with served(create_app(settings, clock=clock), lifespan="on") as url:
            yield url


async def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"policy_{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


async def _phone_checks(page: Page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert await page.evaluate(UNLABELLED) == []
    assert await page.evaluate(SMALL_TARGETS) == []


async def test_a_county_changes_its_line_and_sees_the_history(web_url, login):
    page = await login(web_url, "county", COUNTY)
    await page.get_by_role("navigation").get_by_role("link", name="政策参数").click()
    line = page.locator('#effective tr[data-setting="monitoring_line_yuan"]')
    await expect(line.locator(".source")).to_have_text("国家")
    await expect(line).to_contain_text("6,500 元")
    await expect(page.locator("#calendar-status")).to_contain_text("国家发布")
    await page.get_by_label("防止返贫监测线（元/人/年）").fill("7300")
    await page.get_by_label("调整理由（必填）").fill("县财政提标，监测线提高至 7300 元")
    await page.get_by_role("button", name="保存为新版本").click()
    await expect(page.locator("#flash")).to_contain_text("政策参数已保存为新版本")
    await expect(line.locator(".source")).to_have_text("县")
    await expect(line).to_contain_text("7,300 元")
    await expect(line.locator(".version")).to_have_text("1")
    version = page.locator('#history tr[data-version="1"]')
    await expect(version).to_contain_text("县财政提标")
    await expect(version).to_contain_text("防止返贫监测线（元/人/年）：7,300 元")
    await expect(page.get_by_label("防止返贫监测线（元/人/年）")).to_have_value("7300")
    await _shot(page, "county")
    await page.context.close()


async def test_a_window_error_shows_at_its_field_on_the_phone(web_url, login):
    page = await login(web_url, "county", "870103", viewport=PHONE)
    await page.goto("/policy")
    await _phone_checks(page)
    await page.get_by_label("每月开始日").fill("15")
    await page.get_by_label("每月截止日（1–28）").fill("5")
    await page.get_by_label("调整理由（必填）").fill("推送窗口后移")
    await page.get_by_role("button", name="保存为新版本").click()
    error = page.locator('[id="err-push_window.close_day"]')
    await expect(error).to_contain_text("截止日不能早于开始日")
    await expect(page.get_by_label("每月截止日（1–28）")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("每月开始日")).to_have_value("15")  # the form keeps it
    await expect(page.locator("#history")).to_have_count(0)  # nothing was stored
    await _phone_checks(page)
    await _shot(page, "window_error_phone")
    await page.get_by_label("查看日期").fill("2099-03-01")
    await page.get_by_role("button", name="查看").click()
    await expect(page.locator("#calendar-warning")).to_have_text(
        "⚠ 2099 年节假日数据未录入，按周一至周五计算"
    )
    await page.context.close()


async def test_a_province_views_a_county_read_only(web_url, login):
    page = await login(web_url, "province", PROVINCE)
    await expect(page.locator("h1")).to_contain_text("省级（87） · 政策参数")
    await page.get_by_label("临期提醒比例").fill("0.7")
    await page.get_by_label("调整理由（必填）").fill("全省统一临期提醒")
    await page.get_by_role("button", name="保存为新版本").click()
    await expect(page.locator("#flash")).to_contain_text("政策参数已保存为新版本")
    await page.get_by_label("查看地区（本省或所辖县代码）").fill("870104")
    await page.get_by_role("button", name="查看").click()
    await expect(page.locator("#read-only")).to_be_visible()
    await expect(page.locator("#change-form")).to_have_count(0)
    ratio = page.locator('#effective tr[data-setting="amber_ratio"]')
    await expect(ratio.locator(".source")).to_have_text("省")
    await expect(ratio).to_contain_text("0.7（70%）")
    await _shot(page, "province_county")
    await page.context.close()


async def _household_month(bootstrap: str, household: str, village: str, income: float) -> None:
    """A household's recorded month, as assistance publishes it (the what-if's facts)."""
    data = FollowupRecorded(
        household_id=household, county_code=village[:6], village_code=village, month="2026-10",
        annual_income_per_person=income, household_size=3, flags=[],
    )  # fmt: skip
    envelope = new_envelope(data, source="/tests/e2e", subject=household,
                            time=datetime(2026, 11, 1, 9, tzinfo=SHANGHAI))  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        key, value, headers = to_kafka(envelope)
        await producer.send_and_wait(envelope.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_a_county_simulates_a_higher_line_on_the_phone(web_url, login, stack):
    household = f"{uuid.uuid4().hex[:8]}-e2e"
    await _household_month(stack.kafka_bootstrap, household, "870105001001", 7000)
    page = await login(web_url, "county", "870105", viewport=PHONE)
    await page.goto("/policy")
    await page.locator("#what-if-link").click()
    await expect(page.locator("#simulation-note")).to_contain_text("模拟结果，不会改变现行政策")
    await expect(page.get_by_label("防止返贫监测线（元/人/年）")).to_have_value("6500")
    await page.get_by_label("防止返贫监测线（元/人/年）").fill("7500")
    row = page.locator(f'#what-if-households tr[data-household-id="{household}"]')
    for _ in range(30):  # the policy service projects the month from the broker
        await page.get_by_role("button", name="测算").click()
        await expect(page.locator("#what-if-result")).to_be_visible()
        if await row.count():
            break
        await page.wait_for_timeout(500)
    await expect(row).to_contain_text("低于监测线")
    await expect(row).to_contain_text("新增")
    township = page.locator('#what-if-townships tr[data-township="870105001"]')
    await expect(township.locator("td").first).to_have_text("1")
    await _phone_checks(page)
    await _shot(page, "what_if_phone")
    async with page.expect_download() as sheet:
        await page.locator("#what-if-xlsx").click()
    assert (await sheet.value).suggested_filename.endswith(".xlsx")
    await page.goto("/policy")
    line = page.locator('#effective tr[data-setting="monitoring_line_yuan"]')
    await expect(line.locator(".source")).to_have_text("国家")  # nothing live changed
    await page.context.close()
