"""Imports in the clerk's encodings; size, row and XML limits refuse before anything is kept."""

import io
import zipfile

from openpyxl import Workbook
from shouwang.assistance.config import AssistanceSettings
from shouwang.common.masking import mask_name
from shouwang.common.testing.bodies import ChunkedBody, multipart_head

from .conftest import new_id
from .test_import import BAD_CHECKSUM_ID, HEADER

URL = "/api/v1/households/import"
VILLAGES = {"UTF": "231226101205", "BOM": "231226101206", "GBK": "231226101207"}


def registry_text(prefix: str, village: str = "231226101208") -> str:
    """A registry export in Chinese: two households, one bad ID number, one unknown labour."""
    rows = [
        [
            f"{prefix}-1",
            village,
            "脱贫户",
            "",
            "户主",
            "欧阳一",
            new_id(),
            "普通劳动力",
            "",
            "",
            "",
        ],
        [f"{prefix}-1", village, "脱贫户", "", "配偶", "司马二", new_id(), "无劳动力", "", "", ""],
        [
            f"{prefix}-2",
            village,
            "边缘易致贫户",
            "监测中",
            "户主",
            "诸葛三",
            new_id(),
            "弱劳动力或半劳动力",
            "",
            "因病、住房安全",
            "低保",
        ],
        [
            f"{prefix}-3",
            village,
            "脱贫户",
            "",
            "户主",
            "上官四",
            BAD_CHECKSUM_ID,
            "普通劳动力",
            "",
            "",
            "",
        ],
        [f"{prefix}-4", village, "脱贫户", "", "户主", "东方五", new_id(), "半个劳力", "", "", ""],
    ]
    return "\r\n".join(",".join(row) for row in [HEADER, *rows]) + "\r\n"


def summary(report: dict) -> tuple:
    errors = [(e["row"], e["code"], e["message"]) for e in report["errors"]]
    counts = ("rows", "households_created", "members_imported", "rejected_rows")
    return tuple(report[k] for k in counts), errors


async def heads(client, county, village: str) -> set[str]:
    listed = await client.get(
        "/api/v1/households", headers=county, params={"village_code": village, "limit": 500}
    )
    return {h["head_name_masked"] for h in listed.json()["items"] if h["source"] == "import"}


async def test_gbk_and_bom_exports_import_like_their_utf8_twin(assistance_client, county):
    twins = {
        "UTF": registry_text("UTF", VILLAGES["UTF"]).encode("utf-8"),
        "BOM": ("\ufeff" + registry_text("BOM", VILLAGES["BOM"])).encode("utf-8"),
        "GBK": registry_text("GBK", VILLAGES["GBK"]).encode("gbk"),
    }
    results = {}
    for prefix, content in twins.items():
        resp = await assistance_client.post(URL, headers=county, content=content)
        assert resp.status_code == 200, (prefix, resp.text)
        results[prefix] = summary(resp.json())
    assert results["GBK"] == results["UTF"] == results["BOM"]
    assert results["GBK"][0] == (5, 2, 3, 2)
    assert [e[:2] for e in results["GBK"][1]] == [(5, "id_number_checksum"), (6, "unknown_labour")]
    assert "无法识别的劳动技能：半个劳力" in results["GBK"][1][1][2]  # not garbled
    expected = {mask_name("欧阳一"), mask_name("诸葛三")}
    for prefix, village in VILLAGES.items():
        assert await heads(assistance_client, county, village) == expected, prefix


async def test_a_gbk_multipart_file_imports(assistance_client, county):
    content = registry_text("MPG").encode("gbk")
    resp = await assistance_client.post(
        URL, headers=county, files={"file": ("台账.csv", content, "text/csv; charset=gbk")}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["households_created"] == 2


async def test_a_streamed_import_over_its_limit_is_refused_before_it_is_all_read(
    assistance_client, county
):
    limit = AssistanceSettings().max_import_bytes
    body = ChunkedBody(limit + (16 << 20), head=",".join(HEADER).encode() + b"\r\n", filler=b"\r\n")
    resp = await assistance_client.post(URL, headers=county, content=body)
    assert resp.status_code == 413, resp.text
    assert resp.json()["error"]["code"] == "payload_too_large"
    assert "导入文件过大（上限 256 MB）" in resp.json()["error"]["message"]
    assert body.stopped_near(limit)
    boundary = "shouwang-import-limit"
    body = ChunkedBody(limit + (16 << 20), head=multipart_head(boundary, {}, "big.csv"))
    headers = {**county, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    resp = await assistance_client.post(URL, headers=headers, content=body)
    assert resp.status_code == 413, resp.text
    assert body.stopped_near(limit)


async def test_blank_rows_count_toward_the_row_cap(assistance_client, county):
    cap = AssistanceSettings().max_import_rows
    content = (",".join(HEADER) + "\r\n").encode() + b",,,,,,,,,,\r\n" * cap
    resp = await assistance_client.post(URL, headers=county, content=content)
    assert resp.status_code == 413, resp.text
    error = resp.json()["error"]
    assert error["code"] == "too_many_rows" and str(cap) in error["message"]


def bomb_workbook() -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    plain, out = io.BytesIO(), io.BytesIO()
    book.save(plain)
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e0 "lol">{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&e9;</t></is></c></row></sheetData></worksheet>'
    )
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            is_sheet = item.filename == "xl/worksheets/sheet1.xml"
            dst.writestr(item.filename, sheet if is_sheet else src.read(item))
    return out.getvalue()


async def test_an_xml_bomb_is_refused_not_expanded(assistance_client, county):
    resp = await assistance_client.post(URL, headers=county, content=bomb_workbook())
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "unsafe_xlsx"
