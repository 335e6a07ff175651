"""Browser test: the county dashboard (real port, Debian Chromium) shows a pushed task live."""

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect
from shouwang.common.auth.stream_tickets import SESSION_COOKIE
from shouwang.common.clock import SHANGHAI
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, free_port, wait_until
from shouwang.web.testing import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
COUNTY, VILLAGE = "231226", "231226100201"
CREATED = "shouwang.warning.task.created.v1"
OVERDUE = "shouwang.warning.task.overdue.v1"
# NOTE: the window's first day, before the suite's usual moment: the task pushed then is due
# first, so it heads the dashboard's "longest overdue" list however many overdue tasks the
# suite's other tests have left in the county
WINDOW_OPENS = datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
async def dashboard_url(make_settings, clock) -> AsyncIterator[str]:
    """The audit app served by uvicorn on a real port, in the test's event loop."""
    from shouwang.audit.config import AuditSettings
    from shouwang.audit.main import create_app

    port = free_port()
    app = create_app(make_settings(AuditSettings), clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=3
        )
    )
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        assert not task.done(), "uvicorn failed to start"
        return bool(server.started)

    await wait_until(started, timeout=30, what="uvicorn to start")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, timeout=30)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def _push(warning_client) -> str:
    rng = random.Random(uuid.uuid4().int)
    body = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": generate_id_number(rng),
                "name": "李四",
                "village_code": VILLAGE,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 26000},
            }
        ],
    }
    headers = auth("department", "medical_insurance", county=COUNTY)
    resp = await warning_client.post("/api/v1/warning-batches", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    return str(resp.json()["batch_id"])


async def _signed_in_workbench(browser: Browser, web_url: str) -> Page:
    """A county user signed in to the workbench (another port) through its login form."""
    context = await browser.new_context(
        viewport={"width": 1400, "height": 1300}, base_url=web_url, locale="zh-CN"
    )
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("角色").select_option("county")
    await page.get_by_label("辖区或部门代码").fill(COUNTY)
    await page.locator("#dev-login button[type=submit]").click()
    await expect(page.locator("#flash")).to_contain_text("已登录")
    return page


async def test_a_pushed_task_appears_live_on_the_dashboard(
    dashboard_url, browser, warning_client, intake_client, make_settings, clock
):
    from shouwang.web.config import WebSettings
    from shouwang.web.main import create_app as create_web

    async with served(warning_client.app) as warning, served(intake_client.app) as intake:
        settings = make_settings(
            WebSettings, warning_url=warning, intake_url=intake, audit_public_url=dashboard_url
        )
        async with served(create_web(settings, clock=clock), lifespan="on") as web_url:
            page = await _signed_in_workbench(browser, web_url)
            await page.click("#dashboard-link")  # the HttpOnly cookie goes along, no token
            await _sees_a_pushed_task_live(page, dashboard_url, warning_client)


async def _sees_a_pushed_task_live(page: Page, dashboard_url: str, warning_client) -> None:
    await expect(page).to_have_url(f"{dashboard_url}/")
    await expect(page.locator("h1")).to_contain_text("绥棱县")
    await expect(page.locator("#live-status")).to_have_text("已连接", timeout=15_000)
    await expect(page.locator("#townships")).to_contain_text("绥棱镇")

    batch_id = await _push(warning_client)  # pushed only now: it can only arrive over SSE
    item = page.locator(f'#feed li[data-type="{CREATED}"][data-source-ref="{batch_id}"]')
    await expect(item).to_have_count(1, timeout=30_000)
    await expect(item).to_contain_text("新增核实任务")
    await expect(item).to_contain_text("231226100")
    filed = page.locator(
        f'#feed li[data-subject="{batch_id}"][data-type="shouwang.warning.batch.filed.v1"]'
    )
    await expect(filed).to_contain_text("部门预警推送备案")
    await expect(filed).to_contain_text("2026/11/10 10:00")  # shown in Beijing time
    row = page.locator('#compliance tr[data-department="medical_insurance"]')
    await expect(row).to_contain_text("按时推送", timeout=15_000)

    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "dashboard_live.png"), full_page=True)
    assert (SCREENSHOTS / "dashboard_live.png").stat().st_size > 10_000


async def test_overdue_drill_down_and_consultation_report(
    dashboard_url, browser, warning_client, clock
):
    from shouwang.warning.service.deadlines import sweep_overdue

    token = auth("county", COUNTY)["Authorization"].removeprefix("Bearer ")
    context = await browser.new_context(viewport={"width": 1400, "height": 1800})
    # what the workbench's login sets: a host-only HttpOnly cookie, shared by every port
    await context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "domain": "127.0.0.1",
                "path": "/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    page = await context.new_page()
    await page.goto(f"{dashboard_url}/")
    await expect(page.locator("#live-status")).to_have_text("已连接", timeout=15_000)
    clock.set(WINDOW_OPENS)
    batch_id = await _push(warning_client)
    created = page.locator(f'#feed li[data-type="{CREATED}"][data-source-ref="{batch_id}"]')
    await expect(created).to_have_count(1, timeout=30_000)
    task_id = await created.get_attribute("data-subject")
    assert task_id

    clock.advance(timedelta(days=4))  # past the 3-day assignment deadline
    assert await sweep_overdue(warning_client.app.state.runtime) >= 1  # warning's own sweep
    link = page.locator(f'#overdue a.task[data-task="{task_id}"]')
    await expect(link).to_have_count(1, timeout=30_000)  # arrives over SSE, list reloads
    red = page.locator('.tile[data-kpi="超时限（红）"] b')
    await expect(red).not_to_have_text("0")
    await link.click()
    history = page.locator("#history-list li")
    await expect(page.locator("#history")).to_contain_text(f"任务 {task_id}")
    await expect(history.and_(page.locator(f'[data-type="{CREATED}"]'))).to_contain_text(
        "新增核实任务"
    )
    await expect(history.and_(page.locator(f'[data-type="{OVERDUE}"]'))).to_contain_text("任务逾期")
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "dashboard_drill_down.png"), full_page=True)

    await page.click("#report-link")
    await expect(page.locator("h1")).to_contain_text("绥棱县")
    await expect(page.locator("h1")).to_contain_text("季度会商报告")
    await expect(page.locator(".sub")).to_contain_text("2026年第四季度")
    department = page.locator("#compliance tr", has_text="医保局")
    await expect(department).to_contain_text("按时推送")
    await expect(page.locator("#tasks")).to_contain_text("逾期任务")
    await expect(page.locator("#top-overdue")).to_contain_text("绥棱镇")
    await expect(page.locator("body")).not_to_contain_text("李四")  # statistics only
    await page.emulate_media(media="print")
    await expect(page.locator(".toolbar")).to_be_hidden()  # print CSS hides the button
    await page.screenshot(path=str(SCREENSHOTS / "consultation_report.png"), full_page=True)
    assert (SCREENSHOTS / "consultation_report.png").stat().st_size > 10_000
