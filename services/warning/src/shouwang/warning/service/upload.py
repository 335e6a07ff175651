"""A department batch uploaded as CSV or XLSX: streamed row by row, filed exactly like a push.

Memory stays bounded whatever the file size: the upload is spooled to disk by the multipart
parser, rows are read one at a time, accepted items go to batch_items in chunks of UPLOAD_CHUNK
inside the filing transaction, and only counts plus (capped) rejection details are kept.
"""

import asyncio
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

from shouwang.common.auth.principal import Principal
from shouwang.common.spreadsheet.errors import empty_file
from shouwang.common.spreadsheet.reader import Sheet, is_blank, open_sheet, sheet_rows
from shouwang.warning.adapters.batches import add_items
from shouwang.warning.adapters.repository import idempotency
from shouwang.warning.domain.items import ValidItem, check_item
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.filing import item_rows, seal_file
from shouwang.warning.service.push import (
    Admission,
    BatchHeader,
    FiledOriginal,
    Tally,
    admit,
    authorise,
    file_batch,
    file_once,
)
from shouwang.warning.service.spreadsheets import ItemMapper
from sqlalchemy.ext.asyncio import AsyncSession

REJECTION_DETAILS_CAP = 10_000
UPLOAD_CHUNK = 2000  # accepted rows per INSERT: bounds the memory a chunk takes
READ_CHUNK = 1 << 20
_CODE_RE = re.compile(r"[A-Za-z_]{1,40}|空")


async def upload_batch(
    header: BatchHeader,
    file: IO[bytes],
    *,
    charset: str | None = None,
    runtime: WarningRuntime,
    principal: Principal,
) -> tuple[int, dict[str, Any]]:
    """File an uploaded batch and queue it for processing; return (status, response body)."""
    authorise(header, principal)
    sheet = await asyncio.to_thread(open_sheet, file, charset=charset)
    sha256, body_hash = await asyncio.to_thread(_digest, file, header)
    admission = await admit(header, body_hash, runtime=runtime, principal=principal)
    if not isinstance(admission, Admission):
        return admission
    upload = _Upload(header, file, sheet, sha256, admission)
    filing = partial(_file_upload, upload, runtime=runtime, principal=principal)
    return await file_once(filing, header, admission, runtime=runtime, principal=principal)


@dataclass(frozen=True)
class _Upload:
    """An admitted upload: the form, the spooled file, its sheet and digest."""

    header: BatchHeader
    file: IO[bytes]
    sheet: Sheet
    sha256: str
    admission: Admission


async def _file_upload(
    upload: _Upload, *, runtime: WarningRuntime, principal: Principal
) -> dict[str, Any]:
    """Store the accepted rows in chunks, seal the file and file the batch (one transaction)."""
    batch_id = uuid.uuid4()
    async with runtime.uow() as uow:
        rows = _RowBatcher(upload.sheet, upload.header, upload.admission, batch_id, runtime)
        tally = await _store_rows(uow.session, rows)
        sealed = await asyncio.to_thread(
            seal_file, _chunks(upload.file), runtime=runtime, batch_id=batch_id
        )
        response = await file_batch(
            uow, batch_id=batch_id, header=upload.header, admission=upload.admission, tally=tally,
            original=FiledOriginal(upload.sha256, sealed, upload.sheet.content_type),
            principal=principal, extra=_extra(batch_id, tally),
        )  # fmt: skip
        await uow.commit()
    return response


async def _store_rows(session: AsyncSession, rows: "_RowBatcher") -> Tally:
    """Insert the protected rows UPLOAD_CHUNK at a time while the sheet is read; count them."""
    try:
        while True:
            chunk, done = await asyncio.to_thread(rows.next_chunk)
            await add_items(session, chunk)
            if done:
                return rows.tally
    finally:
        rows.close()


def _extra(batch_id: uuid.UUID, tally: Tally) -> dict[str, Any]:
    if not tally.rejected:
        return {}
    return {
        "rejections_xlsx": f"/api/v1/warning-batches/{batch_id}/rejections.xlsx",
        "rejections_truncated": tally.rejected > len(tally.rejections),
    }


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    file.seek(0)
    while chunk := file.read(READ_CHUNK):
        yield chunk


def _digest(file: IO[bytes], header: BatchHeader) -> tuple[str, str]:
    """SHA-256 of the file, and the idempotency hash of file + form fields."""
    digest = hashlib.sha256()
    for chunk in _chunks(file):
        digest.update(chunk)
    fields = {
        "department": header.department,
        "period": header.period,
        "urgent": header.urgent,
        "urgent_reason": header.urgent_reason,
        "file_sha256": digest.hexdigest(),
    }
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return digest.hexdigest(), idempotency.request_hash(body)


class _RowBatcher:
    """Reads, checks and protects rows; hands out batch_items rows UPLOAD_CHUNK at a time."""

    def __init__(
        self,
        sheet: Sheet,
        header: BatchHeader,
        admission: Admission,
        batch_id: uuid.UUID,
        runtime: WarningRuntime,
    ) -> None:
        settings = runtime.settings
        # every row counts, the header and blank ones too: a sheet of a million empty rows
        # is refused at the cap instead of being walked to its end
        self.rows = sheet_rows(sheet, max_rows=settings.max_batch_items + 1)
        self.department = header.department
        self.county = admission.county
        self.batch_id = batch_id
        self.runtime = runtime
        self.geography = runtime.geography
        self.mapper: ItemMapper | None = None
        self.tally = Tally()

    def close(self) -> None:
        """Release the reader (and the workbook) while the spooled file is still open."""
        self.rows.close()

    def next_chunk(self) -> tuple[list[dict[str, Any]], bool]:
        """The next chunk of protected rows, and whether the file is exhausted."""
        accepted: list[ValidItem] = []
        done = True
        for row_number, cells in self.rows:
            if self.mapper is None:
                self.mapper = ItemMapper(cells, self.department)
                continue
            result = self._check(row_number, cells)
            if result is not None:
                accepted.append(result)
                if len(accepted) >= UPLOAD_CHUNK:
                    done = False
                    break
        if self.mapper is None:
            raise empty_file()
        rows = item_rows(self.batch_id, accepted, runtime=self.runtime, county=self.county)
        return rows, done

    def _check(self, row_number: int, cells: list[str]) -> ValidItem | None:
        assert self.mapper is not None
        item = None if is_blank(cells) else self.mapper(cells)
        if item is None:
            return None  # blank rows are not items
        index = self.tally.received
        self.tally.received += 1
        result = check_item(
            index,
            item,
            department=self.department,
            county_code=self.county,
            geography=self.geography,
        )
        if isinstance(result, ValidItem):
            self.tally.accepted += 1
            return result
        self.tally.rejected += 1
        if len(self.tally.rejections) < REJECTION_DETAILS_CAP:
            self.tally.rejections.append({**_without_cell_text(result.__dict__), "row": row_number})
        return None


def _without_cell_text(rejection: dict[str, Any]) -> dict[str, Any]:
    """Rejections name the field only: drop an echoed indicator unless it looks like a code."""
    echoed = rejection["message"].partition("：")[2]
    if rejection["code"] == "unknown_indicator" and not _CODE_RE.fullmatch(echoed or "空"):
        return {**rejection, "message": "本部门无此预警指标"}
    return rejection
