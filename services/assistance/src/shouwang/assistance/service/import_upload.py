"""The body of an import request: CSV streamed as is, XLSX spooled then read row by row."""

import asyncio
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from shouwang.assistance.service import importer
from shouwang.assistance.service.access import require_role
from shouwang.common.auth.principal import Principal
from shouwang.common.errors import ApiError
from shouwang.common.service import ServiceRuntime
from starlette.datastructures import UploadFile
from starlette.requests import Request

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
CHUNK = 64 * 1024
ROWS_PER_READ = 200
SPOOL_IN_MEMORY = 8 * 1024 * 1024


async def _upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The file's bytes: the raw body, or the `file` part of a multipart form."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "file_required", "请上传导入文件（file）", field="file")
        return _upload_chunks(upload)
    return request.stream()


async def _chain(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


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


def _take(rows: Iterator[tuple[Any, ...]], count: int) -> list[list[str]]:
    taken = []
    for row in rows:
        taken.append([cell_text(c) for c in row])
        if len(taken) >= count:
            break
    return taken


async def xlsx_records(file: IO[bytes]) -> AsyncIterator[list[str]]:
    """Rows of the first sheet (openpyxl read-only), read in small batches off the event loop."""
    try:
        book = await asyncio.to_thread(load_workbook, file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
        raise ApiError(422, "unreadable_file", "无法读取 XLSX 文件", field="file") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        while batch := await asyncio.to_thread(_take, rows, ROWS_PER_READ):
            for cells in batch:
                yield cells
    finally:
        book.close()


async def _spool(chunks: AsyncIterator[bytes]) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by caller
    async for chunk in chunks:
        spool.write(chunk)
    spool.seek(0)
    return spool


async def import_upload(
    runtime: ServiceRuntime, principal: Principal, request: Request
) -> dict[str, Any]:
    """Import a registry export: CSV (UTF-8) or XLSX, as the raw body or a multipart `file`."""
    require_role(principal, *importer.IMPORT_ROLES)
    chunks = await _body(request)
    first = b""
    async for chunk in chunks:
        first += chunk
        if len(first) >= len(XLSX_MAGIC):
            break
    if first.startswith(XLS_MAGIC):
        raise ApiError(415, "unsupported_format", "不支持 .xls 格式，请另存为 .xlsx 或 CSV")
    if not first.startswith(XLSX_MAGIC):
        return await importer.import_records(
            runtime, principal, importer.csv_records(_chain(first, chunks))
        )
    with await _spool(_chain(first, chunks)) as spool:
        return await importer.import_records(runtime, principal, xlsx_records(spool))
