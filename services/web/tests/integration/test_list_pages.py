"""The township task page in pages of 50, newest first (keyset cursor, filters kept), and the
list exports streamed through from the services that write them."""

import io
import random
import re
import uuid

from openpyxl import load_workbook
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until

from .conftest import COUNTY, TOWNSHIP

# NOTE: the paging test's 61 routed tasks live in a township of their own (建设街道): in 绥棱镇
# they would crowd lists other tests read; and not in 宾县 or 兴县, whose policy other tests change
PAGED_COUNTY, PAGED_TOWNSHIP = "231226", "231226002"
QUIET_VILLAGE = "231226002001"  # 建设社区: no other test puts tasks there
TASK_ROW = re.compile(r'<tr data-task-id="([0-9a-f-]{36})"')
NEXT = re.compile(r'href="(/township\?[^"]+)" rel="next"')


def _sheet(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].values)


async def _tasks_in_quiet_village(warning_client, count: int) -> list[dict]:
    """Push `count` people living in the quiet village; wait for their tasks; the village's
    routed tasks as the API lists them (oldest first)."""
    rng = random.Random(uuid.uuid4().int)
    items = [
        {
            "id_number": generate_id_number(rng, region=PAGED_COUNTY),
            "name": "王" + rng.choice("建华秀英志强"),
            "village_code": QUIET_VILLAGE,
            "indicator": "large_medical_expense",
            "values": {"self_paid_yuan": 23000},
        }
        for _ in range(count)
    ]
    pushed = await warning_client.post(
        "/api/v1/warning-batches",
        json={"department": "medical_insurance", "period": "2026-11", "items": items},
        headers=auth("department", "medical_insurance", county=PAGED_COUNTY),
    )
    assert pushed.status_code == 202, pushed.text
    params = {"village_code": QUIET_VILLAGE, "status": "routed", "order": "newest"}
    township = auth("township", PAGED_TOWNSHIP)

    async def routed() -> list[dict] | None:
        found = await list_all(warning_client, "/api/v1/tasks", headers=township, params=params)
        return found if len(found) >= count else None

    return await wait_until(routed, what=f"{count} tasks routed")  # type: ignore[no-any-return]


async def test_fifty_a_page_and_the_next_link_shows_the_rest(web, warning_client):
    listed = await _tasks_in_quiet_village(warning_client, 61)
    township = await web.login("township", PAGED_TOWNSHIP)
    url = f"/township?village_code={QUIET_VILLAGE}&status=routed"
    pages: list[list[str]] = []
    texts: list[str] = []
    while url:
        resp = await township.get(url)
        assert resp.status_code == 200, resp.text
        pages.append(TASK_ROW.findall(resp.text))
        texts.append(resp.text)
        following = NEXT.search(resp.text)
        url = following.group(1).replace("&amp;", "&") if following else ""
        if url:  # the filters ride along with the cursor
            assert f"village_code={QUIET_VILLAGE}" in url and "status=routed" in url
            assert "cursor=" in url
        assert len(pages) < 10, "the pager never ends"
    assert len(pages) >= 2 and len(pages[0]) == 50 and all(len(p) <= 50 for p in pages)
    shown = [task for page in pages for task in page]
    assert len(shown) == len(set(shown)), "a task shown on two pages"
    assert shown == [t["task_id"] for t in listed]  # every task, newest first as the API pages
    assert "第 1 页" in texts[0] and "第 2 页" in texts[1] and 'id="first-page"' in texts[1]
    # the page's export link carries the filters; the sheet holds every task, not one page
    link = re.search(r'id="download-tasks" href="([^"]+)"', texts[1])
    assert (
        link
        and link.group(1) == f"/exports/tasks.xlsx?status=routed&amp;village_code={QUIET_VILLAGE}"
    )
    sheet = await township.get(link.group(1).replace("&amp;", "&"))
    assert sheet.status_code == 200, sheet.text
    assert "attachment" in sheet.headers["content-disposition"]
    rows = _sheet(sheet.content)
    assert rows[0][0] == "任务编号" and [r[0] for r in rows[1:]] == shown[::-1]  # oldest first
    assert {r[3] for r in rows[1:]} == {"建设社区居委会"} and {r[7] for r in rows[1:]} == {"待分派"}


async def test_county_downloads_the_declaration_sheet_through_the_workbench(web, intake_client):
    rng = random.Random(uuid.uuid4().int)
    body = {
        "channel": "cadre_screening",
        "id_number": generate_id_number(rng, region=COUNTY),
        "name": "钱七",
        "phone": "13900001111",
        "village_code": "231226100201",
        "household_size": 2,
        "hardships": ["因残"],
        "description": "残疾",
    }
    filed = await intake_client.post(
        "/api/v1/declarations", json=body, headers=auth("village", "231226100201")
    )
    assert filed.status_code in (200, 201), filed.text
    county = await web.login("county", COUNTY)
    page = await county.get("/county")
    assert 'id="download-declarations" href="/exports/declarations.xlsx"' in page.text
    sheet = await county.get("/exports/declarations.xlsx")
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(sheet.content)
    mine = [r for r in rows if r[0] == filed.json()["receipt"]]
    assert rows[0][:2] == ("受理编号", "申报渠道") and mine and mine[0][6] == "钱*"
    assert "钱七" not in str(rows) and body["id_number"] not in str(rows)
    township = await web.login("township", TOWNSHIP)
    refused = await township.get("/exports/declarations.xlsx")
    assert refused.status_code == 403  # the county's page, the county's sheet
