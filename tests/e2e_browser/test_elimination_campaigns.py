"""Browser test of risk elimination on screen and the screening campaign's four lists.

Elimination: a monitored household under 低保 protection, monitored since March with a measure and
stable income, in December (a quarter's last month). The township pre-judges it from the quarter's
list mid-month (seed 001's default days); the village cadre, at phone width, records the on-site
check, which is refused until the household has signed on the screen, then stored with the drawn
signature (a PNG data URL) in the assistance API; the village review passes late in the month; the
township marks it, and it is shown as 缓退.

Campaign: the county opens a campaign; the township records a problem with its four lists, the
progress shows it open, 销号 without evidence is refused, with evidence it closes and the
completion rate reaches 100 %; the county reads the township's lists.
"""

import random
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from playwright.async_api import Page, expect
from shouwang.common.clock import SHANGHAI
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth
from shouwang.web.config import WebSettings
from shouwang.web.main import create_app
from shouwang.web.testing import served

COUNTY, TOWNSHIP, VILLAGE = "231226", "231226100", "231226100201"
PHONE = {"width": 390, "height": 844}
QUARTER_END = datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)  # pre-judgement: 11th–20th
REVIEW_DAYS = datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI)  # village review: from the 21st


@pytest.fixture
async def web_url(
    make_settings: Any, clock: Any, warning_client: Any, assistance_client: Any
) -> AsyncIterator[str]:
    async with served(warning_client.app) as warning, served(assistance_client.app) as assistance:
        settings = make_settings(WebSettings, warning_url=warning, assistance_url=assistance)
        async with served(create_app(settings, clock=clock), lifespan="on") as url:
            yield url


async def _household(client: Any, name: str, **extra: Any) -> str:
    person = generate_id_number(random.Random(uuid.uuid4().int), region=COUNTY)
    body = {
        "village_code": VILLAGE,
        "category": "边缘易致贫户",
        "status": "monitored",
        "monitored_since": "2026-03-01",
        "members": [{"id_number": person, "name": name, "relation": "户主", "labour": "full"}],
        **extra,
    }
    resp = await client.post("/api/v1/households", json=body, headers=auth("county", COUNTY))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def _candidate(client: Any) -> str:
    """A 低保 household that meets the pre-judgement criteria (measure, stable income)."""
    hid = await _household(client, "吴淑珍", protection=["低保"])
    village = auth("village", VILLAGE)
    plan = {
        "cadre_name": "刘书记",
        "measures": [
            {
                "type": "公益岗位",
                "name": "护林员",
                "starts_on": "2026-04-01",
                "ends_on": "2027-03-31",
                "amount_yuan": 6000,
            }
        ],
    }
    resp = await client.post(f"/api/v1/households/{hid}/plans", headers=village, json=plan)
    assert resp.status_code == 201, resp.text
    for month in range(4, 12):
        resp = await client.post(
            f"/api/v1/households/{hid}/followups",
            headers=village,
            json={"month": f"2026-{month:02d}", "income": {"wage": 1500}},
        )
        assert resp.status_code in (200, 201), resp.text
    return hid


async def _sign(page: Page) -> None:
    box = await page.locator("#sign-pad").bounding_box()
    assert box is not None
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    for step in range(1, 12):
        await page.mouse.move(x + step * 25, y + (15 if step % 2 else -15), steps=3)
    await page.mouse.up()
    await expect(page.locator("#sign-state")).to_have_attribute("data-signed", "yes")


async def test_elimination_with_signature_drawn_on_the_phone(
    web_url, login, assistance_client, clock
):
    clock.set(QUARTER_END)
    hid = await _candidate(assistance_client)
    township = await login(web_url, "township", TOWNSHIP)
    await township.goto("/elimination")
    await township.locator(f'#prejudge-todo li[data-household-id="{hid}"] a').click()
    state = township.locator("#elimination-state")
    await expect(state).to_have_attribute("data-next-step", "prejudge")
    await expect(township.get_by_label("日期")).to_have_value("2026-12-15")
    for check in ("义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"):
        await township.get_by_label(check).check()
    await township.get_by_label("已落实：护林员").check()
    await township.get_by_label("已见效：护林员").check()
    await township.get_by_label("帮扶成效：护林员").fill("月增收 500 元")
    await township.get_by_role("button", name="提交预判").click()
    await expect(township.locator("#flash")).to_contain_text("风险消除环节已记录")
    await expect(state).to_have_attribute("data-next-step", "onsite_check")
    await township.goto("/elimination")
    await expect(township.locator(f'#candidates li[data-household-id="{hid}"]')).to_contain_text(
        "入户核实"
    )

    not_png = await assistance_client.post(
        f"/api/v1/households/{hid}/elimination/onsite_check",
        headers=auth("village", VILLAGE),
        json={"date": "2026-12-15", "checked_by": "王专干", "household_signed": True,
              "signature_png": "data:image/png;base64,PHN2Zz48L3N2Zz4="},
    )  # fmt: skip
    assert not_png.status_code == 422, not_png.text  # an SVG is not the signature PNG

    village = await login(web_url, "village", VILLAGE, viewport=PHONE)
    await village.goto(f"/households/{hid}/elimination")
    await village.get_by_label("入户核查人").fill("王专干")
    await village.get_by_label("核查情况").fill("收入稳定，住房饮水安全")
    await village.get_by_role("button", name="提交入户核实（农户签字）").click()
    await expect(village.locator("#elimination-errors")).to_contain_text("签字")
    await expect(village.get_by_label("入户核查人")).to_have_value("王专干")  # the form keeps it
    await _sign(village)
    assert await village.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await village.get_by_role("button", name="提交入户核实（农户签字）").click()
    await expect(village.locator("#flash")).to_contain_text("风险消除环节已记录")
    image = village.locator("#signature-image")
    await expect(image).to_be_visible()
    assert (await image.get_attribute("src") or "").startswith("data:image/png;base64,")
    view = await assistance_client.get(
        f"/api/v1/households/{hid}", headers=auth("village", VILLAGE)
    )
    onsite = view.json()["elimination"]["steps"]["onsite_check"]
    assert onsite["household_signed"] is True and onsite["checked_by"] == "王专干"
    assert onsite["signature_png"].startswith("data:image/png;base64,")
    assert len(onsite["signature_png"]) > 1000  # strokes, not an empty canvas

    clock.set(REVIEW_DAYS)
    await village.reload()
    await village.get_by_label("参会人数").fill("30")
    await village.get_by_role("button", name="提交村级民主评议").click()
    village_steps = village.locator('#done-steps li[data-step="village_review"]')
    await expect(village_steps).to_have_attribute("data-state", "done")
    await expect(village.locator("#step-waiting")).to_contain_text("乡镇或县级")

    await township.goto(f"/households/{hid}/elimination")
    await township.get_by_role("button", name="提交标注风险消除").click()
    await expect(township.locator("#elimination-outcome")).to_have_attribute(
        "data-outcome", "deferred_exit"
    )
    await expect(township.locator("#elimination-outcome")).to_contain_text("缓退")
    await expect(township.locator("#household-status")).to_contain_text("缓退")
    await township.goto("/elimination")
    await expect(township.locator(f'#deferred li[data-household-id="{hid}"]')).to_contain_text(
        "缓退"
    )
    await township.context.close()
    await village.context.close()


async def test_campaign_four_lists_close_and_progress(web_url, login, assistance_client, clock):
    hid = await _household(assistance_client, "郑国强")
    name = f"2026年冬季集中排查 {uuid.uuid4().hex[:6]}"
    resp = await assistance_client.post(
        "/api/v1/campaigns",
        headers=auth("county", COUNTY),
        json={
            "name": name,
            "phases": [{"name": "排查", "starts_on": "2026-11-01", "ends_on": "2026-12-31"}],
        },
    )
    assert resp.status_code == 201, resp.text
    cid = str(resp.json()["id"])
    township = await login(web_url, "township", TOWNSHIP)
    await township.goto("/campaigns")
    await township.locator(f'#campaigns li[data-campaign-id="{cid}"] a').click()
    await township.get_by_label("农户").select_option(hid)
    await township.get_by_label("问题类型").select_option("三保障和饮水安全")
    await township.get_by_label("问题（问题清单）").fill("自来水冬季冻管停水")
    await township.get_by_label("整改措施（措施清单）").fill("更换保温管道")
    await township.get_by_label("责任单位（责任清单）").fill("水务局")
    await township.get_by_label("责任人").fill("李工")
    await township.get_by_label("整改时限（时限清单）").fill("2026-11-30")
    await township.get_by_role("button", name="登记问题").click()
    await expect(township.locator("#flash")).to_contain_text("问题已登记")
    problem = township.locator("#four-lists article.problem").filter(has_text="冻管停水")
    await expect(problem).to_have_attribute("data-state", "open")
    for text in ("更换保温管道", "水务局 · 李工", "2026/11/30", "郑**"):
        await expect(problem).to_contain_text(text)
    row = township.locator(f'#progress-table tr[data-township="{TOWNSHIP}"]')
    await expect(row.locator(".rate")).not_to_have_text("100%")

    await problem.get_by_role("button", name="销号").click()
    await expect(problem.locator(".error")).to_be_visible()  # no evidence: refused
    await problem.get_by_label("整改佐证（销号必填）").fill("已更换 30 米保温管，恢复供水")
    await problem.get_by_role("button", name="销号").click()
    await expect(township.locator("#flash")).to_contain_text("已销号")
    await expect(problem).to_have_attribute("data-state", "closed")
    await expect(problem).to_contain_text("恢复供水")

    county = await login(web_url, "county", COUNTY)
    await county.goto(f"/campaigns/{cid}")
    await county.get_by_label("查看乡镇四个清单").select_option(TOWNSHIP)
    await county.get_by_role("button", name="查看").click()
    county_problem = county.locator("#four-lists article.problem").filter(has_text="冻管停水")
    await expect(county_problem).to_have_attribute("data-state", "closed")
    county_row = county.locator(f'#progress-table tr[data-township="{TOWNSHIP}"]')
    await expect(county_row.locator(".rate")).to_have_text("100%")
    await township.context.close()
    await county.context.close()
