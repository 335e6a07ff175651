"""XLSX rows through openpyxl's read-only reader, its XML parsed by defusedxml.

openpyxl switches to defusedxml by itself when it is installed (and OPENPYXL_DEFUSEDXML is
not "False"); this module refuses to load otherwise, so a DTD or entity declaration (the
"billion laughs" and external-entity tricks) is refused, never expanded. The archive's
declared unpacked sizes are checked first: zipfile never inflates an entry past its declared
size, so the checks bound what decompression can produce.
"""

import zipfile
from collections.abc import Callable, Generator
from datetime import date, datetime
from typing import IO, TypeVar

import openpyxl.xml
import openpyxl.xml.functions
from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from shouwang.common.spreadsheet.errors import SpreadsheetError, unreadable

if not (openpyxl.xml.DEFUSEDXML and "defusedxml" in openpyxl.xml.functions.iterparse.__module__):
    raise ImportError("openpyxl must parse XML through defusedxml (OPENPYXL_DEFUSEDXML=False?)")

MAX_UNPACKED_BYTES = 1 << 30
MAX_SHARED_STRINGS_BYTES = 128 << 20
MAX_COLUMNS = 256  # cells beyond are never read: no template comes near
T = TypeVar("T")


def cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV export would carry."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def xlsx_rows(file: IO[bytes]) -> Generator[list[str], None, None]:
    """The first sheet's rows as text, one at a time; gaps between rows come out as blank rows."""
    _check_archive(file)
    file.seek(0)
    book = _guarded(lambda: load_workbook(file, read_only=True, data_only=True))
    try:
        sheet = _guarded(lambda: book.worksheets[0])
        sheet.reset_dimensions()  # a forged <dimension> must not pad every row to 16384 cells
        rows = sheet.iter_rows(values_only=True)
        while (cells := _guarded(lambda: next(rows, None))) is not None:
            yield [cell_text(c) for c in cells[:MAX_COLUMNS]]
    finally:
        book.close()


def _check_archive(file: IO[bytes]) -> None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise unreadable("XLSX") from None
    unpacked = sum(e.file_size for e in entries)
    strings = sum(e.file_size for e in entries if e.filename.lower().endswith("sharedstrings.xml"))
    if unpacked > MAX_UNPACKED_BYTES or strings > MAX_SHARED_STRINGS_BYTES:
        raise SpreadsheetError(
            413,
            "unpacked_too_large",
            f"XLSX 文件解压后过大（上限 {MAX_UNPACKED_BYTES >> 20} MB），请拆分后上传",
            {"unpacked_bytes": unpacked, "shared_strings_bytes": strings},
        )


def _guarded(step: Callable[[], T]) -> T:
    """Run one openpyxl step; whatever a hostile or broken file makes it raise becomes a 4xx."""
    try:
        return step()
    except SpreadsheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure of an uploaded file is its fault
        if _defused(exc):
            raise SpreadsheetError(
                422, "unsafe_xlsx", "XLSX 文件含有不允许的 XML 声明（DTD/实体），已拒收"
            ) from None
        raise unreadable("XLSX") from None


def _defused(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl re-raises it as a ValueError at load)."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
