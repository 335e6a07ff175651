"""CSV/XLSX upload of a department batch, its template and the rejection workbook."""

import csv
import io
import random
import time
import tracemalloc
from datetime import datetime

import asyncpg
import pytest
from openpyxl import Workbook, load_workbook
from shouwang.common.geography import Geography
from shouwang.common.idnumber import generate_id_number, is_valid_id_number
from shouwang.common.masking import mask_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from shouwang.warning.service.workbooks import neutralise

DEPT = auth("department", "medical_insurance", county="231226")
UPLOAD = "/api/v1/warning-batches/upload"
BIG_COUNTY = "130630"  # its own county: 100k tasks stay out of the other tests' way
FIELDS = {"department": "medical_insurance", "period": "2026-11"}
HEADERS = ["身份证号", "姓名", "村（社区）代码", "预警指标", "年度累计自付金额(元)", "就医类型"]
HEADERS += ["发现日期", "备注"]


def bad_checksum(id_number: str) -> str:
    last = "0" if id_number[-1] != "0" else "1"
    return id_number[:-1] + last


def rows_for(seed: str, village: str, count: int, bad_at: int | None = None) -> list[list[object]]:
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for n in range(count):
        id_number = generate_id_number(rng)
        if n == bad_at:
            id_number = bad_checksum(id_number)
        rows.append(
            [id_number, f"测试{n}", village, "large_medical_expense", 20000 + n, "", "", ""]
        )
    return rows


def csv_bytes(header: list[str], rows: list[list[object]], *, bom: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(client, content: bytes, name: str, *, headers=DEPT, fields=FIELDS):
    files = {"file": (name, content, "application/octet-stream")}
    return await client.post(UPLOAD, data=fields, files=files, headers=headers)


async def processed(client, batch_id: str) -> dict:
    async def done():
        body = (await client.get(f"/api/v1/warning-batches/{batch_id}", headers=DEPT)).json()
        return body if body["processing"] == "done" else None

    return await wait_until(done, timeout=60, what="batch processed")


async def township_tasks(client, village: str) -> list[dict]:
    township = auth("township", village[:9])
    return await list_all(
        client, "/api/v1/tasks", headers=township, params={"village_code": village}
    )


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    return list(
        load_workbook(io.BytesIO(content), read_only=True)[title].iter_rows(values_only=True)
    )


async def test_csv_upload_rejects_the_bad_row_and_routes_the_rest(warning_client):
    village = "231226103203"
    rows = rows_for("csv-upload", village, 5, bad_at=2)
    content = csv_bytes(HEADERS, rows)
    resp = await upload(warning_client, content, "batch.csv")
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert (body["received"], body["accepted"], body["rejected"]) == (5, 4, 1)
    assert body["rejections"] == [
        {
            "index": 2,
            "row": 4,
            "field": "id_number",
            "code": "id_number_checksum",
            "message": "身份证号校验码错误",
        }
    ]
    assert body["rejections_xlsx"] == f"/api/v1/warning-batches/{body['batch_id']}/rejections.xlsx"
    assert body["timeliness"] == "on_time"
    batch = await processed(warning_client, body["batch_id"])
    assert batch["tasks_created"] + batch["signals_attached"] == 4
    listed = {t["id_masked"] for t in await township_tasks(warning_client, village)}
    good = [r[0] for i, r in enumerate(rows) if i != 2]
    assert {mask_id_number(i) for i in good} <= listed
    assert mask_id_number(str(rows[2][0])) not in listed
    raw = await warning_client.get(f"/api/v1/warning-batches/{body['batch_id']}/raw", headers=DEPT)
    assert raw.content == content  # the filed original, byte for byte


async def test_xlsx_upload_with_labels_numbers_and_dates(warning_client):
    village = "231226103204"
    rows = rows_for("xlsx-upload", village, 4, bad_at=1)
    for row in rows:
        row[2] = int(village)  # Excel turned the code into a number
        row[3] = "大额医疗自付费用"  # the drop-down label instead of the code
        row[5] = "inpatient"
        row[6] = datetime(2026, 11, 2)
    rows.append([None] * 8)  # a blank row is not an item
    resp = await upload(warning_client, xlsx_bytes(HEADERS, rows), "batch.xlsx")
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert (body["received"], body["accepted"], body["rejected"]) == (4, 3, 1)
    assert body["rejections"][0]["row"] == 3
    assert body["rejections"][0]["code"] == "id_number_checksum"
    batch = await processed(warning_client, body["batch_id"])
    assert batch["tasks_created"] + batch["signals_attached"] == 3
    listed = {t["id_masked"] for t in await township_tasks(warning_client, village)}
    assert mask_id_number(str(rows[0][0])) in listed


async def test_rejection_workbook_lists_the_row_without_its_data(warning_client):
    rows = rows_for("rejections", "231226103205", 3, bad_at=0)
    rows[1][3] = '=HYPERLINK("http://x")'  # an unknown indicator that is also a formula
    rows[2][4] = "很多"
    resp = await upload(warning_client, csv_bytes(HEADERS, rows), "r.csv")
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["rejected"] == 3
    book = await warning_client.get(body["rejections_xlsx"], headers=DEPT)
    assert book.status_code == 200
    assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
    lines = sheet_rows(book.content, "错误明细")
    assert lines[0] == ("行号", "条目序号", "字段", "字段名称", "错误代码", "错误说明")
    assert lines[1] == (2, 0, "id_number", "身份证号", "id_number_checksum", "身份证号校验码错误")
    assert lines[2][4:] == ("unknown_indicator", "本部门无此预警指标")
    assert lines[3][2:5] == ("values.self_paid_yuan", "年度累计自付金额(元)", "not_a_number")
    text = repr(lines) + repr(sheet_rows(book.content, "汇总"))
    for row in rows:
        assert str(row[0]) not in text and str(row[1]) not in text
    other = auth("department", "housing", county="231226")
    assert (await warning_client.get(body["rejections_xlsx"], headers=other)).status_code == 403


def test_cells_that_look_like_formulas_are_neutralised():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=x"):
        assert neutralise(text) == "'" + text
    assert neutralise("身份证号") == "身份证号" and neutralise(3) == 3


async def test_template_has_the_department_columns_and_round_trips(warning_client):
    resp = await warning_client.get(
        "/api/v1/warning-batches/template", params={"department": "medical_insurance"}, headers=DEPT
    )
    assert resp.status_code == 200, resp.text
    book = load_workbook(io.BytesIO(resp.content))
    assert book.sheetnames == ["预警数据", "填写说明"]
    data = book["预警数据"]
    assert [c.value for c in data[1]] == HEADERS
    assert data.max_row == 1  # no sample row where it could be uploaded by mistake
    lists = {v.formula1 for v in data.data_validations.dataValidation}
    assert '"大额医疗自付费用"' in lists and '"住院,门诊"' in lists  # the clerk's words
    guide = list(book["填写说明"].iter_rows(values_only=True))
    assert guide[-2] == tuple(HEADERS)
    assert is_valid_id_number(guide[-1][0])
    housing = await warning_client.get(
        "/api/v1/warning-batches/template", params={"department": "housing"}, headers=DEPT
    )
    assert "危房等级" in [c.value for c in load_workbook(io.BytesIO(housing.content)).active[1]]
    for row in rows_for("template", "231226103201", 2):
        row[3], row[5] = "大额医疗自付费用", "住院"
        data.append(row)
    filled = io.BytesIO()
    book.save(filled)
    uploaded = await upload(warning_client, filled.getvalue(), "filled.xlsx")
    assert uploaded.status_code == 202, uploaded.text
    assert uploaded.json()["accepted"] == 2, uploaded.json()


async def test_english_headers_without_bom(warning_client):
    header = ["id_number", "name", "village_code", "indicator", "self_paid_yuan", "care"]
    header += ["observed_on", "note"]
    rows = rows_for("english", "231226103202", 2)
    rows[0][6] = "2026/11/3"
    resp = await upload(warning_client, csv_bytes(header, rows, bom=False), "en.csv")
    assert resp.status_code == 202, resp.text
    assert (resp.json()["accepted"], resp.json()["rejected"]) == (2, 0)


async def test_identical_reupload_returns_the_same_batch(warning_client):
    content = csv_bytes(HEADERS, rows_for("idem", "231226103200", 3))
    key = {**DEPT, "Idempotency-Key": "upload-idem-1"}
    first = await upload(warning_client, content, "a.csv", headers=key)
    second = await upload(warning_client, content, "renamed.csv", headers=key)
    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()
    other = csv_bytes(HEADERS, rows_for("idem-other", "231226103200", 3))
    clash = await upload(warning_client, other, "a.csv", headers=key)
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "idempotency_key_reused"


async def test_unusable_files_and_callers_are_refused(warning_client):
    undecodable = b"\xff\xfe\xff,\x80\n"  # neither UTF-8 nor GB18030
    unknown = csv_bytes([*HEADERS, "身份证号码X"], [])
    missing = csv_bytes(["身份证号", "姓名"], [])
    cases = [
        (undecodable, "unreadable_encoding"),
        (unknown, "upload_unknown_column"),
        (missing, "upload_missing_column"),
        (b"PK\x03\x04not really a zip", "unreadable_file"),
        (b"", "empty_file"),
    ]
    for content, code in cases:
        resp = await upload(warning_client, content, "x.csv")
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["code"] == code
    county = auth("county", "231226")
    resp = await upload(warning_client, csv_bytes(HEADERS, []), "x.csv", headers=county)
    assert resp.status_code == 403
    wrong = {**FIELDS, "department": "housing"}
    resp = await upload(warning_client, csv_bytes(HEADERS, []), "x.csv", fields=wrong)
    assert resp.json()["error"]["code"] == "forbidden_department"
    bad_period = {**FIELDS, "period": "2026-13"}
    resp = await upload(warning_client, csv_bytes(HEADERS, []), "x.csv", fields=bad_period)
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "period"


def write_big_csv(path, count: int) -> list[str]:
    villages = [v.code for v in Geography.from_seed().county_villages(BIG_COUNTY)]
    rng = random.Random("hundred-thousand")
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for n in range(count):
            writer.writerow(
                [
                    generate_id_number(rng, region=BIG_COUNTY),
                    f"测试{n}",
                    villages[n % len(villages)],
                    "large_medical_expense",
                    20000 + n % 5000,
                    "inpatient",
                    "2026-11-01",
                    "",
                ]
            )
    return villages


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith(field + ":"))
    return int(line.split()[1]) * 1024


def reset_peak_rss() -> int:
    """Reset the process's peak RSS (Linux clear_refs) and return the current RSS in bytes."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    return _status_kib("VmRSS")


def peak_rss() -> int:
    """Peak RSS since the last reset, in bytes (getrusage's ru_maxrss cannot be reset)."""
    return max(_status_kib("VmHWM"), 0)


def outbox_drained(database_url: str):
    """Check that every event the batch caused has left the outbox (keeps later tests fast)."""

    async def check() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            sql = "SELECT count(*) FROM warning.outbox WHERE published_at IS NULL"
            return await conn.fetchval(sql) == 0
        finally:
            await conn.close()

    return check


def materialised_bytes(path) -> int:
    """What holding the parsed file in memory would cost (the naive way)."""
    tracemalloc.start()
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        size = tracemalloc.get_traced_memory()[0]
        del rows
    finally:
        tracemalloc.stop()
    return size


@pytest.mark.slow
async def test_hundred_thousand_rows_stream_through(warning_client, tmp_path, database_url):
    count = 100_000
    path = tmp_path / "big.csv"
    write_big_csv(path, count)
    headers = auth("department", "medical_insurance", county=BIG_COUNTY)
    baseline = reset_peak_rss()
    started = time.perf_counter()
    with path.open("rb") as handle:
        files = {"file": ("big.csv", handle, "text/csv")}
        resp = await warning_client.post(UPLOAD, data=FIELDS, files=files, headers=headers)
    upload_seconds = time.perf_counter() - started
    peak_growth = peak_rss() - baseline
    assert resp.status_code == 202, resp.text[:500]
    body = resp.json()
    assert (body["received"], body["accepted"], body["rejected"]) == (count, count, 0)

    async def done():
        got = await warning_client.get(
            f"/api/v1/warning-batches/{body['batch_id']}", headers=headers
        )
        return got.json() if got.json()["processing"] == "done" else None

    batch = await wait_until(done, timeout=600, interval=1, what="100k batch processed")
    total_seconds = time.perf_counter() - started
    await wait_until(outbox_drained(database_url), timeout=600, interval=1, what="outbox drained")
    drained_seconds = time.perf_counter() - started
    naive = materialised_bytes(path)
    print(
        f"\n100k upload: file {path.stat().st_size / 1e6:.1f} MB, upload {upload_seconds:.1f} s, "
        f"upload+processing {total_seconds:.1f} s, peak RSS growth {peak_growth / 1e6:.1f} MB, "
        f"parsed rows in memory {naive / 1e6:.1f} MB, outbox drained after {drained_seconds:.1f} s"
    )
    assert batch["tasks_created"] + batch["signals_attached"] == count
    assert peak_growth < naive / 2  # streaming: far below holding the parsed file
