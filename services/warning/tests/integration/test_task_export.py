"""The task list as XLSX: the list's rows and filters, Chinese headers, masked, formulas quoted."""

import io

from openpyxl import load_workbook
from shouwang.common.testing.fixtures import auth, list_all

from .conftest import WarningDriver


def _sheet(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].values)


async def test_the_sheet_holds_the_lists_rows_masked(loop: WarningDriver) -> None:
    people = [loop.person() for _ in range(3)]
    await loop.pushed_and_processed([loop.item(p) for p in people])
    township = auth("township", loop.TOWNSHIP_A)
    task = await loop.task_for(people[0])
    assigned = await loop.client.post(
        f"/api/v1/tasks/{task['task_id']}/assign",
        headers=township,
        json={"village_code": loop.VILLAGE_A, "cadre_name": "@刘书记 13812345678"},
    )
    assert assigned.status_code == 200, assigned.text

    params = {"village_code": loop.VILLAGE_A, "period": "2026-11"}
    resp = await loop.client.get(
        "/api/v1/tasks", headers=township, params={**params, "format": "xlsx"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in resp.headers["content-disposition"]
    rows = _sheet(resp.content)
    header, body = rows[0], rows[1:]
    assert header[:6] == (
        "任务编号",
        "期次",
        "乡镇",
        "村（社区）",
        "姓名（脱敏）",
        "身份证号（脱敏）",
    )
    listed = await list_all(loop.client, "/api/v1/tasks", headers=township, params=params)
    assert [r[0] for r in body] == [t["task_id"] for t in listed]  # same rows, same order
    mine = {r[0]: r for r in body}[task["task_id"]]
    assert mine[2:4] == ("绥棱镇", "东方红村委会")
    assert mine[4] == task["name_masked"] and mine[5] == task["id_masked"]
    assert mine[7] == "已分派待核实" and mine[8] in ("正常", "临期", "逾期")
    assert mine[12] == "'@刘书记 138****5678"  # quoted, the phone scrubbed
    flat = str(rows)
    assert not [p for p in people if p["id_number"] in flat or p["name"] in flat]

    assigned_only = {**params, "status": "assigned"}
    sheet = await loop.client.get(
        "/api/v1/tasks", headers=township, params={**assigned_only, "format": "xlsx"}
    )
    listed = await list_all(loop.client, "/api/v1/tasks", headers=township, params=assigned_only)
    ids = [r[0] for r in _sheet(sheet.content)[1:]]
    assert task["task_id"] in ids and ids == [t["task_id"] for t in listed]
    assert not {p["task_id"] for p in [await loop.task_for(x) for x in people[1:]]} & set(ids)


async def test_a_role_without_a_list_gets_an_error_not_a_sheet(loop: WarningDriver) -> None:
    resp = await loop.client.get("/api/v1/tasks", headers=loop.dept(), params={"format": "xlsx"})
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "forbidden_role"
