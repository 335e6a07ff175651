"""What a filed batch stores: the sealed original (备案原件) and its protected item rows."""

import base64
import uuid
import zlib
from collections.abc import Iterable
from typing import Any

from shouwang.common.crypto import PiiDecryptError
from shouwang.common.db.bulk import copy_rows
from shouwang.common.identity import protect_person
from shouwang.common.service import ServiceRuntime
from shouwang.warning.adapters.tables import batch_items
from shouwang.warning.domain.items import ValidItem
from sqlalchemy.ext.asyncio import AsyncSession

ITEM_CHUNK = 5000
# Filed uploads are stored compressed; the marker tells them from sealed JSON bodies.
_FILE_MARKER = b"SWRAWZ1\x00"


def seal_raw(raw: bytes, *, runtime: ServiceRuntime, batch_id: uuid.UUID) -> bytes:
    """Encrypt the filed original: it holds ID numbers and names."""
    text = raw.decode("utf-8", errors="surrogateescape")
    return runtime.cipher.encrypt(text, aad=batch_id.bytes)


def seal_file(chunks: Iterable[bytes], *, runtime: ServiceRuntime, batch_id: uuid.UUID) -> bytes:
    """Compress and encrypt an uploaded file (any bytes) read chunk by chunk."""
    packer = zlib.compressobj(6)
    packed = b"".join([*(packer.compress(chunk) for chunk in chunks), packer.flush()])
    text = base64.b64encode(packed).decode("ascii")
    del packed
    return _FILE_MARKER + runtime.cipher.encrypt(text, aad=_FILE_MARKER + batch_id.bytes)


def open_raw(sealed: bytes, *, runtime: ServiceRuntime, batch_id: uuid.UUID) -> bytes:
    """Decrypt a filed original (callers record the read)."""
    sealed = bytes(sealed)
    if sealed.startswith(_FILE_MARKER):
        try:
            text = runtime.cipher.decrypt(
                sealed[len(_FILE_MARKER) :], aad=_FILE_MARKER + batch_id.bytes
            )
        except PiiDecryptError:
            pass  # a sealed JSON body whose random nonce happens to start with the marker
        else:
            return zlib.decompress(base64.b64decode(text))
    return runtime.cipher.decrypt(sealed, aad=batch_id.bytes).encode(
        "utf-8", errors="surrogateescape"
    )


def item_rows(
    batch_id: uuid.UUID, items: Iterable[ValidItem], *, runtime: ServiceRuntime, county: str
) -> list[dict[str, Any]]:
    """Protect (pseudonymise, encrypt, mask) accepted items into batch_items rows."""
    rows = []
    for item in items:
        person = protect_person(
            item.id_number,
            item.name,
            cipher=runtime.cipher,
            master_secret=runtime.settings.hmac_key,
            county_code=county,
        )
        rows.append(
            {
                "batch_id": batch_id,
                "idx": item.index,
                "person_ref": person.person_ref,
                "id_enc": person.id_enc,
                "name_enc": person.name_enc,
                "id_masked": person.id_masked,
                "name_masked": person.name_masked,
                "village_code": item.village_code,
                "routable": item.routable,
                "indicator": item.indicator,
                "values": item.values,
                "observed_on": item.observed_on,
                "note": item.note,
            }
        )
    return rows


async def insert_item_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert batch_items rows (one COPY)."""
    await copy_rows(session, batch_items, rows)


async def store_items(
    session: AsyncSession,
    batch_id: uuid.UUID,
    items: list[ValidItem],
    *,
    runtime: ServiceRuntime,
    county: str,
) -> None:
    """Protect and insert accepted items in chunks of ITEM_CHUNK."""
    for start in range(0, len(items), ITEM_CHUNK):
        chunk = items[start : start + ITEM_CHUNK]
        await insert_item_rows(session, item_rows(batch_id, chunk, runtime=runtime, county=county))
