"""Browser test of issue 17: the plan editor shows the plan rules while the officer types.

In Debian Chromium against the real web and assistance apps: a township officer picks measures
for a household with a full labourer who is ill; before anything is submitted the live box names
the broken rules (the API's dry run, nothing stored); completing the measures clears them; the
saved plan then appears in the plan ledger downloaded from the household list.
"""

import io
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page, expect
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth
from shouwang.web.config import WebSettings
from shouwang.web.main import create_app
from shouwang.web.testing import served

COUNTY, TOWNSHIP, VILLAGE = "231226", "231226100", "231226100201"


@pytest.fixture
async def web_url(make_settings: Any, clock: Any, assistance_client: Any) -> AsyncIterator[str]:
    """The workbench on a real port, with the assistance app on a real port."""
    async with served(assistance_client.app) as assistance:
        settings = make_settings(WebSettings, assistance_url=assistance)
        async with served(create_app(settings, clock=clock), lifespan="on") as url:
            yield url


async def _ill_labourer(assistance_client: Any) -> str:
    """A monitored household: one full labourer, at risk through illness."""
    rng = random.Random(uuid.uuid4().int)
    head = {
        "id_number": generate_id_number(rng, region=COUNTY),
        "name": "孙桂兰",
        "relation": "户主",
        "labour": "full",
    }
    body = {
        "village_code": VILLAGE,
        "category": "边缘易致贫户",
        "risk_types": ["因病"],
        "members": [head],
    }
    resp = await assistance_client.post(
        "/api/v1/households", json=body, headers=auth("county", COUNTY)
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def _plans(assistance_client: Any, hid: str) -> list[Any]:
    resp = await assistance_client.get(
        f"/api/v1/households/{hid}", headers=auth("township", TOWNSHIP)
    )
    return list(resp.json()["plans"])


async def _measure(page: Page, row: int, kind: str, name: str) -> None:
    fieldset = page.locator(f'fieldset[data-row="{row}"]')
    await fieldset.get_by_label("措施类型").select_option(kind)
    await fieldset.get_by_label("措施名称").fill(name)


async def test_the_rules_show_while_typing_before_any_submit(
    web_url, login, assistance_client
) -> None:
    hid = await _ill_labourer(assistance_client)
    page = await login(web_url, "township", TOWNSHIP)
    await page.goto(f"/households/{hid}/plan")
    live = page.locator("#live-rules")
    await expect(live).to_have_attribute("aria-live", "polite")
    await page.get_by_label("帮扶责任人").fill("刘书记")
    await _measure(page, 0, "综合保障/兜底", "临时救助")

    broken = live.locator("[data-rule]")
    await expect(broken).to_have_count(2)
    await expect(broken.first).to_have_attribute(
        "data-rule", "labourer_needs_developmental_measure"
    )
    await expect(live).to_contain_text("开发式帮扶措施")
    await expect(live).to_contain_text("因病致险的，须落实健康帮扶措施")
    await expect(page.locator("#plan-errors")).to_be_hidden()  # nothing was submitted
    assert page.url.endswith(f"/households/{hid}/plan")
    assert await _plans(assistance_client, hid) == []  # the dry run stored nothing

    await _measure(page, 1, "产业", "发展庭院养殖")
    await expect(live.locator("[data-rule]")).to_have_count(1)
    await expect(live.locator("[data-rule]")).to_have_attribute(
        "data-rule", "illness_needs_health_measure"
    )
    await _measure(page, 2, "健康", "大病专项救治")
    await expect(live.locator("#live-verdict")).to_have_attribute("data-verdict", "ok")
    assert await _plans(assistance_client, hid) == []

    await page.get_by_role("button", name="保存帮扶计划").click()
    await expect(page.locator("#flash")).to_contain_text("帮扶计划已保存")
    assert len(await _plans(assistance_client, hid)) == 1

    await page.goto(f"/households?village_code={VILLAGE}&status=monitored")
    async with page.expect_download() as download:
        await page.locator("#download-plans").click()
    content = Path(await (await download.value).path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert rows[0][:4] == ("档案编号", "乡镇", "村（社区）", "户主（脱敏）")
    mine = [r for r in rows if r[0] == hid]
    assert [(r[3], r[7], r[8]) for r in mine] == [
        ("孙**", "综合保障/兜底", "临时救助"),
        ("孙**", "产业", "发展庭院养殖"),
        ("孙**", "健康", "大病专项救治"),
    ]
    assert "孙桂兰" not in str(rows)
