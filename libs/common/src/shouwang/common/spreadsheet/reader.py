"""Open an uploaded spreadsheet once, then stream its rows as text under a row cap."""

import asyncio
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from typing import IO, TypeVar

from shouwang.common.spreadsheet.errors import SpreadsheetError, too_many_rows
from shouwang.common.spreadsheet.sniff import Kind, sniff
from shouwang.common.spreadsheet.text import csv_rows, declared_encoding, detect_encoding
from shouwang.common.spreadsheet.xlsx import xlsx_rows

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Row = tuple[int, list[str]]
T = TypeVar("T")


@dataclass(frozen=True)
class Sheet:
    """A seekable uploaded file, its format and (for CSV) the codec that reads it."""

    file: IO[bytes]
    kind: Kind
    codec: str | None = None

    @property
    def content_type(self) -> str:
        """The media type the file was read as (the filed original is served with it)."""
        if self.kind == "xlsx":
            return XLSX_TYPE
        return f"text/csv; charset={'utf-8' if self.codec == 'utf-8-sig' else self.codec}"


def open_sheet(file: IO[bytes], *, charset: str | None = None) -> Sheet:
    """Sniff the format and, for CSV, settle the encoding (declared, else UTF-8, else GB18030)."""
    kind = sniff(file)
    if kind == "xlsx":
        return Sheet(file, kind)
    return Sheet(file, kind, detect_encoding(file, declared_encoding(charset)))


def sheet_rows(sheet: Sheet, *, max_rows: int) -> Generator[Row, None, None]:
    """(row number, cells) for every row, the header being row 1; blank rows count to the cap."""
    if sheet.kind == "xlsx":
        rows = xlsx_rows(sheet.file)
    else:
        rows = csv_rows(sheet.file, sheet.codec or "")
    try:
        for number, cells in enumerate(rows, start=1):
            if number > max_rows:
                raise too_many_rows(max_rows)
            yield number, cells
    finally:
        rows.close()


def is_blank(cells: list[str]) -> bool:
    """Whether a row carries nothing (blank rows are skipped, but still counted)."""
    return not any(cell.strip() for cell in cells)


async def rows_off_loop(rows: Iterator[T], batch: int = 200) -> AsyncIterator[T]:
    """Read a blocking row iterator in small batches on worker threads."""
    while taken := await asyncio.to_thread(_take, rows, batch):
        for row in taken:
            yield row


def _take(rows: Iterator[T], count: int) -> list[T]:
    taken = []
    for row in rows:
        taken.append(row)
        if len(taken) >= count:
            break
    return taken


__all__ = ["Sheet", "SpreadsheetError", "is_blank", "open_sheet", "rows_off_loop", "sheet_rows"]
