"""The body of an import request: the raw body or a multipart `file`, spooled, read row by row."""

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Any

from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service import importer
from shouwang.assistance.service.access import require_role
from shouwang.common.auth.principal import Principal
from shouwang.common.failures import Invalid
from shouwang.common.spreadsheet.reader import open_sheet, rows_off_loop, sheet_rows
from shouwang.common.spreadsheet.text import charset_of
from starlette.datastructures import UploadFile
from starlette.requests import Request

SPOOL_IN_MEMORY = 8 * 1024 * 1024


async def import_upload(
    runtime: AssistanceRuntime, principal: Principal, request: Request
) -> dict[str, Any]:
    """Import a registry export, CSV (UTF-8 or GBK) or XLSX: the raw body or a multipart `file`."""
    require_role(principal, *importer.IMPORT_ROLES)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Invalid("请上传导入文件（file）", code="file_required", field="file")
            return await _import_file(runtime, principal, upload.file, upload.content_type)
    # spooled whole (size-limited as it streams in) before any row is imported: a refused
    # body commits nothing, and a GBK file is known to be GBK before its first row is read
    with await _spool(request.stream()) as spool:
        return await _import_file(runtime, principal, spool, content_type)


async def _import_file(
    runtime: AssistanceRuntime, principal: Principal, file: IO[bytes], content_type: str | None
) -> dict[str, Any]:
    sheet = await asyncio.to_thread(open_sheet, file, charset=charset_of(content_type))
    settings = runtime.settings
    rows = sheet_rows(sheet, max_rows=settings.max_import_rows)
    try:
        return await importer.import_records(runtime, principal, rows_off_loop(rows))
    finally:
        # NOTE: after a cancelled request a worker thread may still be inside the generator
        with contextlib.suppress(ValueError):
            rows.close()


async def _spool(chunks: AsyncIterator[bytes]) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by caller
    try:
        async for chunk in chunks:
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
