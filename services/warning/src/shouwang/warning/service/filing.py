"""What a filed batch stores: the sealed original (备案原件) and its protected item rows."""

import base64
import hashlib
import uuid
import zlib
from collections.abc import Iterable
from typing import Any

from shouwang.common.crypto import PiiCipher, PiiDecryptError
from shouwang.common.db.bulk import copy_rows
from shouwang.common.identity import protect_person
from shouwang.common.service import ServiceRuntime
from shouwang.warning.adapters.tables import batch_items
from shouwang.warning.domain.items import ValidItem
from sqlalchemy.ext.asyncio import AsyncSession

ITEM_CHUNK = 5000
# Filed uploads are stored compressed; the marker tells them from sealed JSON bodies.
_FILE_MARKER = b"SWRAWZ1\x00"
_INFLATE_CHUNK = 1 << 20


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
    return _content(*_unseal(bytes(sealed), runtime.cipher, batch_id))


def reseal_raw(
    sealed: bytes, *, cipher: PiiCipher, batch_id: uuid.UUID, sha256: str
) -> bytes | None:
    """The filed original sealed under the cipher's current key; None if it already is.

    Key rotation changes a filed original's envelope, never what was filed: the bytes it opens
    to must hash to the sha256 recorded at filing, or this raises ValueError.
    """
    marker, plain = _unseal(sealed, cipher, batch_id)
    aad = marker + batch_id.bytes
    if cipher.is_current(sealed[len(marker) :], aad=aad):
        return None
    if _content_sha256(marker, plain) != sha256:
        raise ValueError("the filed original does not match its recorded sha256")
    return marker + cipher.encrypt_bytes(plain, aad=aad)


def _unseal(sealed: bytes, cipher: PiiCipher, batch_id: uuid.UUID) -> tuple[bytes, bytes]:
    """(marker, plaintext) of a filed original; the marker is empty for a sealed JSON body."""
    if sealed.startswith(_FILE_MARKER):
        try:
            body = sealed[len(_FILE_MARKER) :]
            return _FILE_MARKER, cipher.decrypt_bytes(body, aad=_FILE_MARKER + batch_id.bytes)
        except PiiDecryptError:
            pass  # an old JSON body whose random nonce happens to start with the marker
    return b"", cipher.decrypt_bytes(sealed, aad=batch_id.bytes)


def _content(marker: bytes, plain: bytes) -> bytes:
    """The filed bytes: uploads were compressed and base64-encoded, JSON bodies stored as is."""
    return zlib.decompress(base64.b64decode(plain)) if marker else plain


def _content_sha256(marker: bytes, plain: bytes) -> str:
    """SHA-256 of the filed bytes, an upload inflated piece by piece (it may be 256 MiB)."""
    if not marker:
        return hashlib.sha256(plain).hexdigest()
    digest, inflater = hashlib.sha256(), zlib.decompressobj()
    packed = base64.b64decode(plain)
    for start in range(0, len(packed), _INFLATE_CHUNK):
        digest.update(inflater.decompress(packed[start : start + _INFLATE_CHUNK]))
    digest.update(inflater.flush())
    return digest.hexdigest()


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
