"""Department clerk pages against the real warning service."""

import io
from datetime import datetime

from openpyxl import load_workbook
from shouwang.common.clock import SHANGHAI


async def test_upload_with_one_bad_row_shows_one_rejection_and_its_workbook(web):
    clerk = await web.login("department", "medical_insurance", county="231226")
    bad = {**web.good_row(web.person()), "身份证号": "123"}
    resp = await web.upload(clerk, [web.good_row(web.person()), bad])
    assert resp.status_code == 200, resp.text
    assert 'id="received">2<' in resp.text and 'id="rejected">1<' in resp.text
    assert resp.text.count('<tr data-code="') == 1
    assert "身份证号" in resp.text  # the field, in Chinese, next to the API's reason
    batch_id = web.batch_id_of(resp.text)

    sheet = await clerk.get(f"/clerk/batches/{batch_id}/rejections.xlsx")
    assert sheet.status_code == 200
    assert "attachment" in sheet.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(sheet.content)).worksheets[0].values)
    assert len(rows) == 2 and rows[1][2] == "id_number"

    page = await clerk.get("/clerk")
    assert f'data-batch-id="{batch_id}"' in page.text
    assert 'data-period="2026-11" data-status="on_time"' in page.text
    assert page.text.count('<tr data-period="') == 12
    assert 'data-period="2025-12"' in page.text and 'data-period="2025-11"' not in page.text


async def test_window_dates_and_countdown_follow_the_clock(web, clock):
    clerk = await web.login("department", "health", county="231226")
    page = (await clerk.get("/clerk")).text
    assert "2026年11月05日 00:00" in page and "2026年11月15日" in page
    assert "窗口开放中" in page and "5天14小时0分" in page  # 11-10 10:00 → 11-16 00:00
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    page = (await clerk.get("/clerk")).text
    assert "窗口未开放" in page and "14天15小时0分" in page  # → 12-05 00:00


async def test_api_errors_are_shown_next_to_the_field(web, clock):
    clerk = await web.login("department", "medical_insurance", county="231226")
    resp = await web.upload(clerk, [web.good_row(web.person())], period="2026-13")
    assert resp.status_code == 422
    assert 'id="err-period"' in resp.text and "格式不正确" in resp.text
    assert 'id="period" name="period" value="2026-13"' in resp.text

    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    closed = await web.upload(clerk, [web.good_row(web.person())])
    assert closed.status_code == 409
    assert 'id="err-_form"' in closed.text and "窗口" in closed.text

    empty = await clerk.post("/clerk/upload", data={"period": "2026-11"})
    assert empty.status_code == 422 and "请选择要上传的文件" in empty.text
