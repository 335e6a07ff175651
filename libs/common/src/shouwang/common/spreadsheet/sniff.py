"""Tell an XLSX from a CSV by its first bytes; refuse the old binary .xls."""

from typing import IO, Literal

from shouwang.common.spreadsheet.errors import unsupported_format

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
Kind = Literal["csv", "xlsx"]


def sniff(file: IO[bytes]) -> Kind:
    """'xlsx' or 'csv' from the file's first bytes (the file is left at its start)."""
    file.seek(0)
    head = file.read(len(XLSX_MAGIC))
    file.seek(0)
    if head.startswith(XLS_MAGIC):
        raise unsupported_format()
    return "xlsx" if head.startswith(XLSX_MAGIC) else "csv"
