"""The one spreadsheet reader: encodings, XLSX through defusedxml, and the row cap."""

import io
import tracemalloc
import zipfile

import openpyxl.xml
import pytest
from openpyxl import Workbook
from shouwang.common.spreadsheet import xlsx
from shouwang.common.spreadsheet.errors import SpreadsheetError
from shouwang.common.spreadsheet.reader import open_sheet, sheet_rows
from shouwang.common.spreadsheet.text import charset_of
from shouwang.common.testing.bodies import ENTITY_BOMB_SHEET as BOMB
from shouwang.common.testing.bodies import SHEET

TEXT = '户编号,姓名,劳动技能\r\nH-1,钱一,普通劳动力\r\nH-1,"孙二\n（配偶）",无劳动力\r\n'
ROWS = [
    (1, ["户编号", "姓名", "劳动技能"]),
    (2, ["H-1", "钱一", "普通劳动力"]),
    (3, ["H-1", "孙二\n（配偶）", "无劳动力"]),
]
EXTERNAL = '<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def read(content: bytes, *, charset: str | None = None, max_rows: int = 100) -> list:
    sheet = open_sheet(io.BytesIO(content), charset=charset)
    return list(sheet_rows(sheet, max_rows=max_rows))


def refused(content: bytes, **kwargs) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as caught:
        read(content, **kwargs)
    return caught.value


def workbook(*rows: list) -> bytes:
    book = Workbook()
    book.active.append(["户编号", "姓名"])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_entry(content: bytes, name: str, xml: str) -> bytes:
    """The workbook with one archive entry replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item, src.read(item))
        dst.writestr(name, xml)
    return out.getvalue()


def test_utf8_with_and_without_bom_and_gbk_read_the_same():
    assert read(TEXT.encode("utf-8")) == ROWS
    assert read(("\ufeff" + TEXT).encode("utf-8")) == ROWS
    assert read(TEXT.encode("gbk")) == ROWS
    assert read(TEXT.encode("gb18030"), charset="GB2312") == ROWS
    assert open_sheet(io.BytesIO(TEXT.encode("gbk"))).content_type == "text/csv; charset=gb18030"


def test_a_declared_charset_is_held_to_and_an_unknown_one_refused():
    assert refused(TEXT.encode("gbk"), charset="utf-8").code == "unreadable_encoding"
    assert refused(TEXT.encode("utf-8"), charset="latin-1").status == 415
    assert refused(b"\xff\xfe\xff,\x80\n").code == "unreadable_encoding"
    assert charset_of("text/csv; Charset=GBK") == "GBK" and charset_of("text/csv") is None


def test_xlsx_cells_come_out_as_the_csv_text():
    content = workbook(["H-1", "钱一"], [None, None], [231226100203.0, 5200.5])
    assert read(content) == [
        (1, ["户编号", "姓名"]),
        (2, ["H-1", "钱一"]),
        (3, []),
        (4, ["231226100203", "5200.5"]),
    ]
    assert refused(b"\xd0\xcf\x11\xe0" + b"0" * 64).code == "unsupported_format"
    assert refused(b"PK\x03\x04broken").code == "unreadable_file"


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML
    assert "defusedxml" in openpyxl.xml.functions.iterparse.__module__


def test_an_entity_bomb_in_a_sheet_is_refused_not_expanded():
    tracemalloc.start()
    try:
        error = refused(with_entry(workbook(), SHEET, BOMB))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (error.status, error.code) == (422, "unsafe_xlsx")
    assert peak < 50_000_000  # 10^9 "lol"s would be gigabytes


def test_an_external_entity_in_the_workbook_part_is_refused():
    content = workbook(["H-1", "钱一"])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        part = archive.read("xl/workbook.xml").decode()
    content = with_entry(content, "xl/workbook.xml", EXTERNAL + part.split("?>", 1)[-1])
    assert refused(content).code == "unsafe_xlsx"


def test_blank_and_gap_rows_count_to_the_cap():
    gap = with_entry(
        workbook(),
        SHEET,
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>户编号</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
    )
    assert (refused(gap, max_rows=1000).status, refused(gap, max_rows=1000).code) == (
        413,
        "too_many_rows",
    )
    assert refused(b"a,b\r\n" + b"\r\n" * 1000, max_rows=1000).code == "too_many_rows"
    assert len(read(b"a,b\r\n" + b"\r\n" * 999, max_rows=1000)) == 1000


def test_the_declared_unpacked_size_is_capped(monkeypatch):
    content = workbook(["H-1", "钱一"])
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 2_000)
    error = refused(content)
    assert (error.status, error.code) == (413, "unpacked_too_large")
