"""The plan ledger as XLSX: a row per measure, the household list's area and filters, masked."""

import io

from openpyxl import load_workbook
from shouwang.common.testing.fixtures import auth

from .conftest import VILLAGE, member

JOB = {
    "type": "就业",
    "name": '=HYPERLINK("http://evil") 联系 13812345678',
    "starts_on": "2026-11-01",
    "ends_on": "2027-10-31",
    "amount_yuan": 1200.5,
}
HEALTH = {**JOB, "type": "健康", "name": "大病保险", "amount_yuan": 0}


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].values)


async def test_each_measure_is_a_masked_row_of_the_callers_area(
    assistance_client, register, village
):
    head = member(name="欧阳娜娜")
    hid = (await register(category="边缘易致贫户", members=[head]))["id"]
    plan = {"cadre_name": "刘书记", "measures": [JOB, HEALTH]}
    made = await assistance_client.post(
        f"/api/v1/households/{hid}/plans", headers=village, json=plan
    )
    assert made.status_code == 201, made.text

    resp = await assistance_client.get(
        "/api/v1/plans.xlsx", headers=village, params={"status": "monitored"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = _rows(resp.content)
    assert rows[0][:4] == ("档案编号", "乡镇", "村（社区）", "户主（脱敏）")
    mine = [r for r in rows[1:] if r[0] == hid]
    assert [r[7] for r in mine] == ["就业", "健康"]
    job = mine[0]
    assert job[1:7] == ("绥棱镇", "东方红村委会", "欧***", "边缘易致贫户", "监测对象", "刘书记")
    assert job[8] == '\'=HYPERLINK("http://evil") 联系 138****5678'  # quoted, phone scrubbed
    assert job[9:12] == ("2026-11-01", "2027-10-31", 1200.5)
    assert job[15] == made.json()["id"]
    flat = str(rows)
    assert head["id_number"] not in flat and "欧阳娜娜" not in flat and "13812345678" not in flat

    lifted = await assistance_client.get(
        "/api/v1/plans.xlsx", headers=village, params={"status": "lifted"}
    )
    assert hid not in str(_rows(lifted.content))
    foreign = await assistance_client.get(
        "/api/v1/plans.xlsx", headers=auth("village", VILLAGE[:9] + "202")
    )
    assert foreign.status_code == 200 and hid not in str(_rows(foreign.content))


async def test_a_role_without_the_list_gets_an_error_not_a_sheet(assistance_client):
    resp = await assistance_client.get(
        "/api/v1/plans.xlsx", headers=auth("department", "civil_affairs", county="231226")
    )
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden_role"
