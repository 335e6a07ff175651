"""Uploads in the clerk's encodings and words; size and row limits answer 413 before buffering."""

import io
import random
import zipfile

from openpyxl import Workbook
from shouwang.common.idnumber import generate_id_number
from shouwang.common.masking import mask_id_number
from shouwang.common.testing.bodies import ENTITY_BOMB_SHEET as BOMB
from shouwang.common.testing.bodies import SHEET, ChunkedBody, multipart_head
from shouwang.warning.config import WarningSettings

from .test_upload import (
    DEPT,
    FIELDS,
    HEADERS,
    UPLOAD,
    bad_checksum,
    processed,
    township_tasks,
    upload,
)

PUSH = "/api/v1/warning-batches"


def people(village: str) -> list[tuple[str, str]]:
    rng = random.Random(village)
    ids = [generate_id_number(rng, region="231226") for _ in range(3)]
    return [(ids[0], "张三丰"), (bad_checksum(ids[1]), "李四"), (ids[2], "欧阳娜娜")]


def clerk_csv(village: str) -> str:
    """A clerk's file: Chinese headers, names and labels (住院), one row with a bad ID number."""
    lines = [",".join(HEADERS)]
    for id_number, name in people(village):
        lines.append(f"{id_number},{name},{village},大额医疗自付费用,23000,住院,2026-11-03,")
    return "\r\n".join(lines) + "\r\n"


def outcome(resp) -> tuple:
    body = resp.json()
    return body["received"], body["accepted"], body["rejected"], body["rejections"]


async def test_gbk_and_bom_files_upload_like_their_utf8_twin(warning_client):
    text = clerk_csv("231226103206")
    twins = {
        "utf-8": text.encode("utf-8"),
        "utf-8 with BOM": ("\ufeff" + text).encode("utf-8"),
        "gbk": text.encode("gbk"),
    }
    results = {}
    for label, content in twins.items():
        resp = await upload(warning_client, content, f"{label}.csv")
        assert resp.status_code == 202, (label, resp.text)
        results[label] = outcome(resp)
    assert results["gbk"] == results["utf-8"] == results["utf-8 with BOM"]
    assert results["gbk"][:3] == (3, 2, 1)
    assert results["gbk"][3][0]["code"] == "id_number_checksum"
    gbk_batch = (await upload(warning_client, twins["gbk"], "again.csv")).json()["batch_id"]
    raw = await warning_client.get(f"{PUSH}/{gbk_batch}/raw", headers=DEPT)
    assert raw.content == twins["gbk"] and raw.headers["content-type"].endswith("gb18030")
    await processed(warning_client, gbk_batch)
    listed = {t["id_masked"] for t in await township_tasks(warning_client, "231226103206")}
    assert mask_id_number(people("231226103206")[2][0]) in listed


async def test_a_declared_charset_is_read_as_declared(warning_client):
    content = clerk_csv("231226103207").encode("gbk")
    files = {"file": ("gbk.csv", content, "text/csv; charset=GBK")}
    resp = await warning_client.post(UPLOAD, data=FIELDS, files=files, headers=DEPT)
    assert resp.status_code == 202, resp.text
    files = {"file": ("gbk.csv", content, "text/csv; charset=utf-8")}
    wrong = await warning_client.post(UPLOAD, data=FIELDS, files=files, headers=DEPT)
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "unreadable_encoding"


async def test_a_streamed_push_over_its_limit_is_refused_before_it_is_all_read(warning_client):
    limit = WarningSettings().max_push_bytes
    body = ChunkedBody(limit + (16 << 20), head=b'{"department": "medical_insurance", "items": [')
    headers = {**DEPT, "Content-Type": "application/json"}
    resp = await warning_client.post(PUSH, content=body, headers=headers)
    assert resp.status_code == 413, resp.text
    assert resp.json()["error"]["code"] == "payload_too_large"
    assert "推送内容过大（上限 64 MB）" in resp.json()["error"]["message"]
    assert body.stopped_near(limit)


async def test_a_streamed_upload_over_its_limit_is_refused_before_it_is_all_read(warning_client):
    limit = WarningSettings().max_upload_bytes
    boundary = "shouwang-limit-test"
    head = multipart_head(boundary, FIELDS, "big.csv") + ",".join(HEADERS).encode() + b"\r\n"
    body = ChunkedBody(limit + (16 << 20), head=head, filler=b"\r\n")
    headers = {**DEPT, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    resp = await warning_client.post(UPLOAD, content=body, headers=headers)
    assert resp.status_code == 413, resp.text
    assert "上传文件过大（上限 256 MB）" in resp.json()["error"]["message"]
    assert body.stopped_near(limit)


def xlsx_with_sheet(xml: str) -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, xml if item.filename == SHEET else src.read(item))
    return out.getvalue()


async def test_an_xml_bomb_is_refused_not_expanded(warning_client):
    resp = await upload(warning_client, xlsx_with_sheet(BOMB), "bomb.xlsx")
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "unsafe_xlsx"


async def test_blank_rows_count_toward_the_row_cap(warning_client):
    cap = WarningSettings().max_batch_items + 1
    blank_csv = (",".join(HEADERS) + "\r\n").encode() + b",,,,,,,\r\n" * cap
    gap = xlsx_with_sheet(
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(
            f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
            for c, h in zip("ABCDEFGH", HEADERS, strict=True)
        ).join(('<row r="1">', "</row>"))
        + '<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    for name, content in (("blank.csv", blank_csv), ("gap.xlsx", gap)):
        resp = await upload(warning_client, content, name)
        assert resp.status_code == 413, (name, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "too_many_rows" and str(cap) in error["message"]
