"""XLSX import of a registry export: same columns and per-row errors as CSV, raw or multipart."""

import io
from datetime import date

from openpyxl import Workbook

from .conftest import new_id
from .test_import import HEADER

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER, "纳入监测时间", "上年人均纯收入"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(no, name, id_number, *, village=231226100203, relation="户主", labour="普通劳动力"):
    return [
        no,
        village,
        "边缘易致贫户",
        "监测中",
        relation,
        name,
        id_number,
        labour,
        None,
        "因病",
        None,
        date(2026, 3, 1),
        5200.0,
    ]


async def test_xlsx_body_imports_rows_with_the_same_errors(assistance_client, county):
    rows = [
        _row("X-1", "郑一", new_id()),
        _row("X-1", "郑二", new_id(), relation="配偶", labour="无劳动力"),
        [None] * 13,
        _row("X-2", "郑三", new_id()[:17] + "Y"),
        _row("X-3", "郑四", new_id(), labour="半个劳力"),
        _row("X-4", "郑五", new_id(), village=231226999999),
    ]
    resp = await assistance_client.post(
        "/api/v1/households/import",
        headers={**county, "content-type": XLSX},
        content=workbook(rows),
    )
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["rows"] == 5 and report["households_created"] == 1
    assert report["members_imported"] == 2 and report["rejected_rows"] == 3
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (5, "id_number_format"),
        (6, "unknown_labour"),
        (7, "unknown_village"),
    ]
    listed = await assistance_client.get(
        "/api/v1/households", headers=county, params={"village_code": "231226100203"}
    )
    found = [h for h in listed.json()["items"] if h["source"] == "import"]
    assert len(found) == 1 and found[0]["size"] == 2 and found[0]["risk_types"] == ["因病"]
    assert found[0]["monitored_since"] == "2026-03-01" and found[0]["head_name_masked"] == "郑*"


async def test_xlsx_as_multipart_file(assistance_client, county):
    data = workbook([_row("M-1", "冯一", new_id(), village=231226101200)])
    resp = await assistance_client.post(
        "/api/v1/households/import",
        headers=county,
        files={"file": ("台账.xlsx", data, XLSX)},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["households_created"] == 1, resp.json()
    assert resp.json()["errors"] == []


async def test_bad_workbooks_are_refused(assistance_client, county):
    url = "/api/v1/households/import"
    xls = await assistance_client.post(url, headers=county, content=b"\xd0\xcf\x11\xe0" + b"0" * 64)
    assert xls.status_code == 415
    broken = await assistance_client.post(url, headers=county, content=b"PK\x03\x04broken")
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "unreadable_file"
    book = Workbook()
    book.active.append(["户编号", "姓名"])
    out = io.BytesIO()
    book.save(out)
    missing = await assistance_client.post(url, headers=county, content=out.getvalue())
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "missing_columns"
