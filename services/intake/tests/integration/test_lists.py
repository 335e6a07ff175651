import io

from openpyxl import load_workbook
from shouwang.common.testing.fixtures import auth

from .helpers import OTHER_TOWNSHIP_VILLAGE, VILLAGE, declaration

COUNTY = auth("county", "231226")


async def _file_hotline(intake_client, village=VILLAGE, **overrides):
    resp = await intake_client.post(
        "/api/v1/declarations",
        headers=COUNTY,
        json=declaration(channel="hotline", village_code=village, **overrides),
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["receipt"]


async def test_township_lists_its_declarations_by_channel_with_paging(intake_client):
    mine = {await _file_hotline(intake_client) for _ in range(3)}
    foreign = await _file_hotline(intake_client, village=OTHER_TOWNSHIP_VILLAGE)
    township = auth("township", VILLAGE[:9])
    seen, cursor = [], None
    while True:
        params = {"channel": "hotline", "status": "received", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (
            await intake_client.get("/api/v1/declarations", headers=township, params=params)
        ).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    receipts = [i["receipt"] for i in seen]
    assert mine <= set(receipts) and foreign not in receipts
    assert len(receipts) == len(set(receipts))
    item = seen[0]
    assert item["channel"] == "hotline" and item["township_code"] == VILLAGE[:9]
    assert "id_enc" not in item and "person_ref" not in item and item["name_masked"].endswith("*")


async def test_residents_cannot_list(intake_client):
    resp = await intake_client.get("/api/v1/declarations", headers=auth("resident", sub="r-1"))
    assert resp.status_code == 403


async def test_xlsx_export_is_masked(intake_client):
    body_id = declaration()["id_number"]
    receipt = await _file_hotline(intake_client, id_number=body_id, name="赵六")
    resp = await intake_client.get(
        "/api/v1/declarations", headers=COUNTY, params={"format": "xlsx", "channel": "hotline"}
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(resp.content), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["受理编号", "申报渠道", "状态"]
    row = next(r for r in rows if r[0] == receipt)
    assert row[1] == "12317 热线" and row[2] == "已受理"
    assert row[6] == "赵*" and row[7] == body_id[:6] + "********" + body_id[-4:]
    assert row[8] == "138****1234"
    flat = " ".join(str(c) for r in rows for c in r)
    assert body_id not in flat and "赵六" not in flat and "13800001234" not in flat
