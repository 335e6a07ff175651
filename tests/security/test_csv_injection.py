"""Issue 10 (4): cells starting with =, +, -, @ in uploads (warning CSV upload, assistance CSV
import) and in free text are neutralised in every export that echoes them (no formula cells)."""

import csv
import io
import uuid
from typing import Any

from openpyxl import load_workbook
from shouwang.common.testing.fixtures import auth, wait_until

from .conftest import PRINCIPALS, TOWNSHIP, VILLAGE, make_people, task_of

PAYLOADS = ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+cmd|' /C calc'!A0", "-2+3+cmd|'/C x'!A0",
            "@SUM(1+9)*cmd|' /C calc'!A0"]
FORMULA_STARTS = ("=", "+", "-", "@")


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _formula_cells(content: bytes, name: str) -> list[str]:
    """Cells a spreadsheet would evaluate: formula cells, or text starting with = + - @."""
    found = []
    if name.endswith(".csv"):
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
            found += [c for c in row if c.startswith(FORMULA_STARTS)]
        return found
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            found += [str(c.value) for c in row if c.data_type == "f"
                      or (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS))]
    return found


async def _seed_payloads(warning_client: Any, intake_client: Any, assistance_client: Any) -> dict:
    """Put the payloads into every upload and free-text field that an export may echo."""
    people = make_people("csv-injection", [VILLAGE] * 3)
    rows = [["身份证号", "姓名", "村（社区）代码", "预警指标", "年度累计自付金额(元)", "备注"]]
    rows += [[p, p, p, "large_medical_expense", p, p] for p in PAYLOADS]  # every cell rejected
    rows += [[people[0].id_number, PAYLOADS[0], VILLAGE, "large_medical_expense", "23000",
              PAYLOADS[3]]]
    upload = await warning_client.post(
        "/api/v1/warning-batches/upload", headers=PRINCIPALS["department_own"],
        data={"department": "medical_insurance", "period": "2026-11"},
        files={"file": ("预警.csv", _csv(rows), "text/csv")})
    assert upload.status_code == 202, upload.text
    assert upload.json()["rejected"] >= len(PAYLOADS), upload.text
    # free text reaching the audit log: the village's report reason
    task = await task_of(warning_client, people[0])
    township, village = auth("township", TOWNSHIP), auth("village", VILLAGE)
    await warning_client.post(f"/api/v1/tasks/{task['task_id']}/assign", headers=township,
                              json={"village_code": VILLAGE})
    report = await warning_client.post(
        f"/api/v1/tasks/{task['task_id']}/report", headers=village,
        json={"outcome": "no_risk", "reason": PAYLOADS[1], "visited_on": "2026-11-10",
              "note": PAYLOADS[2]})
    assert report.status_code == 200, report.text
    declaration = {"channel": "self_declaration", "id_number": people[1].id_number,
                   "name": PAYLOADS[0], "phone": "13900001111", "village_code": VILLAGE,
                   "household_size": 2, "hardships": ["因病"], "description": PAYLOADS[3],
                   "income_estimate_yuan": 5000, "attachments": []}
    filed = await intake_client.post("/api/v1/declarations", json=declaration,
                                     headers=_resident())
    assert filed.status_code in (201, 422), filed.text
    imported = await assistance_client.post(
        "/api/v1/households/import", headers=PRINCIPALS["county_own"], content=_csv([
            ["户编号", "村代码", "户类型", "与户主关系", "姓名", "证件号码", "劳动技能",
             "家庭住址"],
            ["=1+1", VILLAGE, "脱贫户", "户主", PAYLOADS[3], people[2].id_number, "普通劳动力",
             PAYLOADS[0]]]))
    assert imported.status_code == 200, imported.text
    return {"batch": upload.json()["batch_id"], "task": task["task_id"], "people": people}


async def test_formula_cells_are_neutralised_in_every_export(
    warning_client, intake_client, assistance_client, audit_client
) -> None:
    seeded = await _seed_payloads(warning_client, intake_client, assistance_client)
    auditor, county = PRINCIPALS["auditor"], PRINCIPALS["county_own"]

    async def reason_audited() -> bool:
        resp = await audit_client.get("/api/v1/audit/export?format=csv", headers=auditor)
        return "cmd|" in resp.text

    await wait_until(reason_audited, what="the report's reason reaches the audit log")
    exports = {
        "rejections.xlsx": (warning_client,
                            f"/api/v1/warning-batches/{seeded['batch']}/rejections.xlsx"),
        "audit.csv": (audit_client, "/api/v1/audit/export?format=csv"),
        "audit.xlsx": (audit_client, "/api/v1/audit/export?format=xlsx"),
        "declarations.xlsx": (intake_client, "/api/v1/declarations?format=xlsx"),
        "compliance.xlsx": (warning_client, "/api/v1/compliance?period=2026-11&format=xlsx"),
    }
    offending, echoed = {}, 0
    for name, (client, path) in exports.items():
        resp = await client.get(path, headers=auditor if name.startswith("audit") else county)
        assert resp.status_code == 200, (name, resp.text[:200])
        text = resp.content if name.endswith(".csv") else b""
        echoed += sum(p[1:] in (text.decode() if text else "") for p in PAYLOADS)
        if cells := _formula_cells(resp.content, name):
            offending[name] = cells[:5]
    print(f"checked {len(exports)} exports for formula cells; payload echoes in audit.csv: "
          f"{echoed}; offending: {offending}")
    assert echoed, "the audit export never echoed a payload: the check would be vacuous"
    assert not offending, offending


def _resident() -> dict[str, str]:
    """A resident of their own (the intake rate limit is per filer)."""
    return auth("resident", sub=f"resident-{uuid.uuid4().hex[:8]}")
