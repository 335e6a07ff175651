"""Issue 10 (4) / 14 (6) / 17: cells starting with =, +, -, @ in uploads and free text are
neutralised in every export that echoes them (the task list and plan ledger sheets included):
each export checked carries a payload, read back cell by cell (CSV parsed, XLSX opened with
openpyxl), quoted and never a formula; exports that cannot carry one (the rejection workbook, the
declarations sheet while formula-like names are refused) are read back and must echo none."""

import csv
import io
import uuid
from typing import Any

from openpyxl import load_workbook
from shouwang.common.testing.fixtures import auth, wait_until

from .conftest import PRINCIPALS, TOWNSHIP, VILLAGE, make_people, task_of

PAYLOADS = [
    '=HYPERLINK("http://evil","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|'/C x'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
]
FORMULA_STARTS = ("=", "+", "-", "@")


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _cells(content: bytes, name: str) -> list[str]:
    """Every cell as a spreadsheet reads it back: CSV parsed, XLSX opened with openpyxl (a formula
    cell reads back as its formula text, marked with a leading `<formula>`)."""
    if name.endswith(".csv"):
        return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
    book = load_workbook(io.BytesIO(content))
    return [
        f"<formula>{c.value}" if c.data_type == "f" else str(c.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    ]


def _formula_cells(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would evaluate: formula cells, or text starting with = + - @."""
    return [c for c in cells if c.startswith(("<formula>", *FORMULA_STARTS))]


def _neutralised(cells: list[str]) -> list[str]:
    """Payloads that came back as text: quoted (the `'` prefix), whole or in part (masked)."""
    return [
        c
        for c in cells
        if c.startswith("'")
        and c[1:2] in FORMULA_STARTS
        and any(p.startswith(c[1:].rstrip("*")[:1]) for p in PAYLOADS)
    ]


async def _seed_payloads(warning_client: Any, intake_client: Any, assistance_client: Any) -> dict:
    """Put the payloads into every upload and free-text field that an export may echo."""
    people = make_people(f"csv-injection-{uuid.uuid4().hex}", [VILLAGE] * 5)
    rows = [["身份证号", "姓名", "村（社区）代码", "预警指标", "年度累计自付金额(元)", "备注"]]
    rows += [[p, p, p, "large_medical_expense", p, p] for p in PAYLOADS]  # every cell rejected
    rows += [
        [people[0].id_number, PAYLOADS[0], VILLAGE, "large_medical_expense", "23000", PAYLOADS[3]]
    ]
    upload = await warning_client.post(
        "/api/v1/warning-batches/upload",
        headers=PRINCIPALS["department_own"],
        data={"department": "medical_insurance", "period": "2026-11"},
        files={"file": ("预警.csv", _csv(rows), "text/csv")},
    )
    assert upload.status_code == 202, upload.text
    assert upload.json()["rejected"] >= len(PAYLOADS), upload.text
    # free text reaching the audit log: the village's report reason
    task = await task_of(warning_client, people[0])
    # the acting cadre's token `sub` becomes the audit log's actor column
    township, village = auth("township", TOWNSHIP), auth("village", VILLAGE, sub=PAYLOADS[2])
    # the cadre's name (free text) reaches the task list's sheet
    assigned = await warning_client.post(
        f"/api/v1/tasks/{task['task_id']}/assign",
        headers=township,
        json={"village_code": VILLAGE, "cadre_name": PAYLOADS[3]},
    )
    assert assigned.status_code == 200, assigned.text
    report = await warning_client.post(
        f"/api/v1/tasks/{task['task_id']}/report",
        headers=village,
        json={
            "outcome": "no_risk",
            "reason": PAYLOADS[1],
            "visited_on": "2026-11-10",
            "note": PAYLOADS[2],
        },
    )
    assert report.status_code == 200, report.text
    revealed = await warning_client.get(
        f"/api/v1/tasks/{task['task_id']}/pii", headers=auth("village", VILLAGE, sub=PAYLOADS[0])
    )
    assert revealed.status_code == 200, revealed.text
    declaration = {
        "channel": "self_declaration",
        "id_number": people[1].id_number,
        "name": PAYLOADS[0],
        "phone": "13900001111",
        "village_code": VILLAGE,
        "household_size": 2,
        "hardships": ["因病"],
        "description": PAYLOADS[3],
        "income_estimate_yuan": 5000,
        "attachments": [],
    }
    filed = await intake_client.post("/api/v1/declarations", json=declaration, headers=_resident())
    assert filed.status_code in (201, 422), filed.text
    imported = await assistance_client.post(
        "/api/v1/households/import",
        headers=PRINCIPALS["county_own"],
        content=_csv(
            [
                [
                    "户编号",
                    "村代码",
                    "户类型",
                    "与户主关系",
                    "姓名",
                    "证件号码",
                    "劳动技能",
                    "家庭住址",
                ],
                [
                    "=1+1",
                    VILLAGE,
                    "脱贫户",
                    "户主",
                    PAYLOADS[3],
                    people[2].id_number,
                    "普通劳动力",
                    PAYLOADS[0],
                ],
            ]
        ),
    )
    assert imported.status_code == 200, imported.text
    # the four lists of a campaign: a problem's description, measure and responsible person
    county = PRINCIPALS["county_own"]
    campaign = await assistance_client.post(
        "/api/v1/campaigns",
        headers=county,
        json={
            "name": "注入测试排查",
            "phases": [{"name": "排查", "starts_on": "2026-11-01", "ends_on": "2026-12-31"}],
        },
    )
    assert campaign.status_code == 201, campaign.text
    household = await assistance_client.post(
        "/api/v1/households",
        headers=county,
        json={
            "village_code": VILLAGE,
            "category": "脱贫户",
            "members": [
                {
                    "id_number": people[3].id_number,
                    "name": people[3].name,
                    "labour": "full",
                    "relation": "户主",
                    "phone": people[3].phone,
                }
            ],
        },
    )
    assert household.status_code == 201, household.text
    problem = await assistance_client.post(
        f"/api/v1/campaigns/{campaign.json()['id']}/problems",
        headers=village,
        json={
            "household_id": household.json()["id"],
            "problem_type": "三保障和饮水安全",
            "description": PAYLOADS[0],
            "measure": PAYLOADS[1],
            "responsible": {"unit": PAYLOADS[3], "person": PAYLOADS[2]},
            "deadline": "2026-11-20",
        },
    )
    assert problem.status_code == 201, problem.text
    await _plan_with_payloads(assistance_client, people[4], village)
    return {
        "batch": upload.json()["batch_id"],
        "task": task["task_id"],
        "people": people,
        "campaign": campaign.json()["id"],
        "declaration": filed,
    }


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
        "audit.csv": (audit_client, "/api/v1/audit/export?format=csv"),
        "audit.xlsx": (audit_client, "/api/v1/audit/export?format=xlsx"),
        "declarations.xlsx": (intake_client, "/api/v1/declarations?format=xlsx"),
        "four-lists.xlsx": (
            assistance_client,
            f"/api/v1/campaigns/{seeded['campaign']}/four-lists.xlsx?township_code=" + TOWNSHIP,
        ),
        "tasks.xlsx": (warning_client, f"/api/v1/tasks?format=xlsx&village_code={VILLAGE}"),
        "plans.xlsx": (assistance_client, f"/api/v1/plans.xlsx?village_code={VILLAGE}"),
    }
    # a declaration's only free text in the sheet is the (masked) name: a formula-like name is
    # refused at the door today; should it ever be accepted, the sheet must show it neutralised
    name_accepted = seeded["declaration"].status_code == 201
    if not name_accepted:
        del exports["declarations.xlsx"]
    offending, echoed = {}, {}
    for name, (client, path) in exports.items():
        resp = await client.get(path, headers=auditor if name.startswith("audit") else county)
        assert resp.status_code == 200, (name, resp.text[:200])
        cells = _cells(resp.content, name)
        echoed[name] = _neutralised(cells)
        if found := _formula_cells(cells):
            offending[name] = found[:5]
    print(
        f"checked {len(exports)} exports; neutralised payload cells: "
        f"{ {n: len(c) for n, c in echoed.items()} }; offending: {offending}"
    )
    # every export really carried a payload (else its check proves nothing) ...
    assert all(echoed.values()), f"an export never echoed a payload: {echoed}"
    assert name_accepted or seeded["declaration"].json()["error"]["field"] == "name"
    # ... and the payloads came back whole where the export shows the text
    whole = {"'" + p for p in PAYLOADS}
    for name in ("audit.csv", "audit.xlsx", "four-lists.xlsx", "tasks.xlsx", "plans.xlsx"):
        assert whole & set(echoed[name]), (name, echoed[name])
    assert not offending, offending
    # the rejection workbook names field, code and message of each rejected row and echoes none
    # of the submitted values: no payload can reach it
    rejections = await warning_client.get(
        f"/api/v1/warning-batches/{seeded['batch']}/rejections.xlsx", headers=county
    )
    assert rejections.status_code == 200, rejections.text
    cells = _cells(rejections.content, "rejections.xlsx")
    assert len(cells) > len(PAYLOADS), cells  # a header and a row per rejection, read back
    assert not [c for c in cells if any(p[1:] in c for p in PAYLOADS)], cells
    assert not _formula_cells(cells), cells
    if not name_accepted:  # the sheet is still read back, and holds no formula cell
        sheet = await intake_client.get("/api/v1/declarations?format=xlsx", headers=county)
        cells = _cells(sheet.content, "declarations.xlsx")
        assert cells[:2] == ["受理编号", "申报渠道"] and not _formula_cells(cells), cells[:20]


async def _plan_with_payloads(assistance_client: Any, person: Any, village: dict) -> None:
    """A monitored household whose plan names a measure and its cadre with payloads."""
    household = await assistance_client.post(
        "/api/v1/households",
        headers=PRINCIPALS["county_own"],
        json={
            "village_code": VILLAGE,
            "category": "边缘易致贫户",
            "members": [
                {"id_number": person.id_number, "name": person.name, "labour": "full",
                 "relation": "户主"}
            ],
        },
    )  # fmt: skip
    assert household.status_code == 201, household.text
    measure = {"type": "产业", "name": PAYLOADS[0], "starts_on": "2026-11-10",
               "ends_on": "2027-10-31"}  # fmt: skip
    plan = await assistance_client.post(
        f"/api/v1/households/{household.json()['id']}/plans",
        headers=village,
        json={"cadre_name": PAYLOADS[2], "measures": [measure]},
    )
    assert plan.status_code == 201, plan.text


def _resident() -> dict[str, str]:
    """A resident of their own (the intake rate limit is per filer)."""
    return auth("resident", sub=f"resident-{uuid.uuid4().hex[:8]}")
