"""Browser test of the web workbench: clerk → township → village (phone) → township, plus county.

Real ports, Debian Chromium: the warning and intake apps (already running for the session) are
served by uvicorn next to the web app, which reaches them only through their HTTP APIs.
"""

import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from shouwang.common.identity import person_ref_of
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from shouwang.web.config import WebSettings
from shouwang.web.main import create_app
from shouwang.web.testing import fill_template, served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
COUNTY, TOWNSHIP, VILLAGE = "231226", "231226100", "231226100201"
# NOTE: the loop's task lives in a village no other test of the suite puts tasks in: the township
# page lists newest first, and the suite's frozen clock gives hundreds of tasks the same moment
TASK_VILLAGE = "231226100203"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
async def web_url(make_settings, clock, warning_client, intake_client) -> AsyncIterator[str]:
    """The workbench on a real port, talking to the warning and intake apps on real ports."""
    async with served(warning_client.app) as warning, served(intake_client.app) as intake:
        settings = make_settings(WebSettings, warning_url=warning, intake_url=intake)
        async with served(create_app(settings, clock=clock), lifespan="on") as url:
            yield url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def _login(
    browser: Browser,
    base: str,
    role: str,
    scope: str = "",
    viewport: dict[str, int] = DESKTOP,
    **fields: str,
) -> Page:
    """A fresh browser context signed in through the dev login form."""
    context = await browser.new_context(
        viewport=viewport, base_url=base, locale="zh-CN", accept_downloads=True
    )
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("角色").select_option(role)
    await page.get_by_label("辖区或部门代码").fill(scope)
    for label, value in fields.items():
        await page.get_by_label(label).fill(value)
    await page.locator("#dev-login button[type=submit]").click()
    await expect(page.locator("#flash")).to_contain_text("已登录")
    return page


async def _shot(page: Page, role: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"workbench_{role}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


async def _clerk_uploads(browser: Browser, base: str, tmp_path: Path, who: dict[str, str]) -> None:
    page = await _login(
        browser, base, "department", "medical_insurance", **{"所属县代码（仅行业部门）": COUNTY}
    )
    await expect(page.locator("h1")).to_contain_text("医保局")
    await expect(page.locator("#window")).to_contain_text("窗口开放中")
    async with page.expect_download() as template:
        await page.locator("#template-link").click()
    rows = [
        {
            "身份证号": who["id_number"],
            "姓名": who["name"],
            "村（社区）代码": TASK_VILLAGE,
            "预警指标": "large_medical_expense",
            "年度累计自付金额(元)": 26000,
        },
        {
            "身份证号": "12345",
            "姓名": "坏行",
            "村（社区）代码": TASK_VILLAGE,
            "预警指标": "large_medical_expense",
            "年度累计自付金额(元)": 26000,
        },
    ]
    upload = tmp_path / "预警数据.xlsx"
    upload.write_bytes(fill_template(Path(await (await template.value).path()).read_bytes(), rows))
    await page.get_by_label("数据文件（.xlsx 或 UTF-8 .csv）").set_input_files(upload)
    await page.get_by_role("button", name="上传并校验").click()
    await expect(page.locator("#batch-result")).to_contain_text("接收 1 条")
    await expect(page.locator("#rejected")).to_have_text("1")
    await expect(page.locator("#rejections tbody tr")).to_have_count(1)
    await expect(page.locator("#rejections tbody tr")).to_contain_text("身份证号")
    async with page.expect_download() as rejections:
        await page.locator("#rejections-link").click()
    assert (await rejections.value).suggested_filename.endswith(".xlsx")
    await _shot(page, "clerk")


async def _task_id(warning_client: Any, who: dict[str, str]) -> str:
    settings = warning_client.app.state.runtime.settings
    secret = settings.hmac_key.get_secret_value()
    ref = person_ref_of(who["id_number"], master_secret=secret, county_code=COUNTY)

    async def found() -> str | None:
        items = await list_all(
            warning_client,
            "/api/v1/tasks",
            headers=auth("township", TOWNSHIP),
            params={"status": "routed"},
        )
        return next((t["task_id"] for t in items if t["person_ref"] == ref), None)

    return str(await wait_until(found, what="the uploaded row's task"))


async def _village_reports(browser: Browser, base: str, task_id: str, name: str) -> None:
    page = await _login(browser, base, "village", TASK_VILLAGE, viewport=PHONE)
    card = page.locator(f'#todo li[data-task-id="{task_id}"]')
    await expect(card).to_have_count(1)
    await card.get_by_role("link").click()
    await expect(page.locator("#person-name")).to_have_text(name)
    await _shot(page, "village_task")
    await page.get_by_label("无风险", exact=True).check()
    await page.get_by_label("原因说明（选“无风险”时必填）").fill("医疗费已报销，家庭收入稳定")
    await page.get_by_label("走访情况备注").fill("入户走访，与户主面谈")
    await page.get_by_role("button", name="提交核实结果").click()
    await expect(page.locator("#flash")).to_contain_text("核实结果已上报")
    await expect(page.locator(f'#done li[data-task-id="{task_id}"]')).to_contain_text("已上报")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await _shot(page, "village")


async def test_clerk_township_village_loop_closes_the_task(
    web_url, browser, warning_client, tmp_path
):
    rng = random.Random(uuid.uuid4().int)
    who = {"id_number": generate_id_number(rng, region=COUNTY), "name": "王建华"}
    township = await _login(browser, web_url, "township", TOWNSHIP)
    await township.goto(f"/township?village_code={TASK_VILLAGE}")  # the officer's village filter
    await expect(township.locator("#live-status")).to_have_text("实时更新已连接", timeout=15_000)

    await _clerk_uploads(browser, web_url, tmp_path, who)
    task_id = await _task_id(warning_client, who)
    live = township.locator(f'#live-feed li[data-task-id="{task_id}"][data-type="TaskCreated"]')
    await expect(live).to_contain_text("新增核实任务", timeout=30_000)  # arrived over SSE
    row = township.locator(f'#task-table tr[data-task-id="{task_id}"]')
    await expect(row).to_have_attribute("data-status", "routed")
    await row.get_by_role("checkbox").check()
    await township.get_by_label("分派到村（社区）").select_option(TASK_VILLAGE)
    await township.get_by_label("责任干部（选填）").fill("李干部")
    await township.get_by_role("button", name="分派所选任务").click()
    await expect(township.locator("#flash")).to_contain_text("已分派（1 条）")
    await expect(row).to_have_attribute("data-status", "assigned")
    await expect(township.locator("#live-status")).to_have_text("实时更新已连接")
    await expect(township.locator("#refresh")).to_be_hidden()
    await _shot(township, "township")

    await _village_reports(browser, web_url, task_id, who["name"])

    await township.goto(f"/township/tasks/{task_id}")
    await expect(township.locator("#task-outcome")).to_contain_text("无风险")
    await township.get_by_role("button", name="确认村级核实结果").click()
    await expect(township.locator("#flash")).to_contain_text("已确认")
    await expect(township.locator("#task-status")).to_contain_text("已办结")
    await expect(township.locator("#task")).to_have_attribute("data-status", "confirmed")
    await _shot(township, "township_confirmed")


async def test_county_routes_a_held_item_and_sees_declarations(
    web_url, browser, warning_client, intake_client
):
    rng = random.Random(uuid.uuid4().int)
    item = {
        "id_number": generate_id_number(rng, region=COUNTY),
        "name": "陈志强",
        "village_code": "231226100999",
        "indicator": "large_medical_expense",
        "values": {"self_paid_yuan": 30000},
    }
    pushed = await warning_client.post(
        "/api/v1/warning-batches",
        headers=auth("department", "medical_insurance", county=COUNTY),
        json={"department": "medical_insurance", "period": "2026-11", "items": [item]},
    )
    assert pushed.status_code == 202, pushed.text
    declaration = {
        "channel": "cadre_screening",
        "name": "刘秀英",
        "phone": "13800000000",
        "id_number": generate_id_number(rng, region=COUNTY),
        "village_code": VILLAGE,
        "household_size": 4,
        "hardships": ["因病", "因学"],
        "description": "住院",
    }
    filed = await intake_client.post(
        "/api/v1/declarations", json=declaration, headers=auth("village", VILLAGE)
    )
    assert filed.status_code in (200, 201), filed.text

    async def held() -> str | None:
        resp = await warning_client.get("/api/v1/unroutable", headers=auth("county", COUNTY))
        return next(
            (
                i["id"]
                for i in resp.json()["items"]
                if i["source_ref"].startswith(pushed.json()["batch_id"])
            ),
            None,
        )

    item_id = await wait_until(held, what="the held item")
    page = await _login(browser, web_url, "county", COUNTY)
    await expect(page.locator("h1")).to_contain_text("绥棱县")
    # no token in the link: the dashboard reads the workbench's HttpOnly cookie
    await expect(page.locator("#dashboard-link")).to_have_attribute(
        "href", "http://127.0.0.1:8004/"
    )
    receipt = filed.json()["receipt"]
    await expect(page.locator(f'#declarations tr[data-receipt="{receipt}"]')).to_contain_text(
        "因病、因学"
    )
    held_item = page.locator(f'#unroutable li[data-item-id="{item_id}"]')
    await held_item.get_by_label("分派到村（12位代码）").fill("231226999999")
    await held_item.get_by_role("button", name="分派").click()
    await expect(page.locator(f"#err-route-{item_id}")).to_contain_text("不属于本县")
    await _shot(page, "county")
    await page.locator(f"#route-{item_id}").fill(VILLAGE)
    await page.locator(f'#unroutable li[data-item-id="{item_id}"] button').click()
    await expect(page.locator("#flash")).to_contain_text("已分派到村")
    await expect(page.locator(f'#unroutable li[data-item-id="{item_id}"]')).to_have_count(0)
