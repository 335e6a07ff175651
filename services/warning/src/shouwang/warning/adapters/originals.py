"""How a filed original (备案原件) is stored: sealed with the PII key, uploads compressed.

Key rotation re-seals an original without changing what was filed (`reseal_raw`).
"""

import base64
import hashlib
import uuid
import zlib
from collections.abc import Iterable

from shouwang.common.crypto import PiiCipher, PiiDecryptError
from shouwang.warning.runtime import WarningRuntime

# Filed uploads are stored compressed; the marker tells them from sealed JSON bodies.
_FILE_MARKER = b"SWRAWZ1\x00"
_INFLATE_CHUNK = 1 << 20


def seal_raw(raw: bytes, *, runtime: WarningRuntime, batch_id: uuid.UUID) -> bytes:
    """Encrypt the filed original: it holds ID numbers and names."""
    text = raw.decode("utf-8", errors="surrogateescape")
    return runtime.cipher.encrypt(text, aad=batch_id.bytes)


def seal_file(chunks: Iterable[bytes], *, runtime: WarningRuntime, batch_id: uuid.UUID) -> bytes:
    """Compress and encrypt an uploaded file (any bytes) read chunk by chunk."""
    packer = zlib.compressobj(6)
    packed = b"".join([*(packer.compress(chunk) for chunk in chunks), packer.flush()])
    text = base64.b64encode(packed).decode("ascii")
    del packed
    return _FILE_MARKER + runtime.cipher.encrypt(text, aad=_FILE_MARKER + batch_id.bytes)


def open_raw(sealed: bytes, *, runtime: WarningRuntime, batch_id: uuid.UUID) -> bytes:
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
