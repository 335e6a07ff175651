"""PII protection: AES-256-GCM encryption at rest and `person_ref` pseudonymous lookup keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
KEY_SIZE: Final = 32
KEY_ID_SIZE: Final = 4
# A blob is MAGIC || key id || nonce || ciphertext+tag. Blobs written before the key ring have
# no header (nonce || ciphertext+tag); MAGIC's second byte is the format version.
MAGIC: Final = b"\xa7\x01"
HEADER_SIZE: Final = len(MAGIC) + KEY_ID_SIZE


class PiiDecryptError(ValueError):
    """Raised when a blob cannot be decrypted (wrong key, wrong aad, or tampered data)."""


def parse_key(secret: str) -> bytes | None:
    """Decode a 32-byte key given as hex or (url-safe) base64; None if it is neither."""
    text = secret.strip()
    if len(text) == 2 * KEY_SIZE:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    for altchars in (None, b"-_"):
        try:
            key = base64.b64decode(text.encode("ascii"), altchars=altchars, validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            continue
        if len(key) == KEY_SIZE:
            return key
    return None


def derive_key(secret: str) -> bytes:
    """Return the 32-byte key in `secret`, or SHA-256 of it (dev convenience for passphrases)."""
    return parse_key(secret) or hashlib.sha256(secret.encode("utf-8")).digest()


def key_id(key: bytes) -> bytes:
    """The id a blob names its key by: the first 4 bytes of SHA-256 of the key."""
    return hashlib.sha256(key).digest()[:KEY_ID_SIZE]


class PiiCipher:
    """AES-256-GCM key ring for PII fields: encrypts under the current key, decrypts under any."""

    __slots__ = ("_current", "_ring")

    def __init__(self, key: bytes, previous: Iterable[bytes] = ()) -> None:
        self._ring: dict[bytes, AESGCM] = {}
        seen: dict[bytes, bytes] = {}
        for k in (key, *previous):
            if len(k) != KEY_SIZE:
                raise ValueError("PiiCipher needs 32-byte keys")
            kid = key_id(k)
            if seen.setdefault(kid, k) != k:
                raise ValueError(f"two keys of the ring share the id {kid.hex()}")
            self._ring.setdefault(kid, AESGCM(k))
        self._current = key_id(key)

    @classmethod
    def from_secret(cls, secret: str, previous: Iterable[str] = ()) -> PiiCipher:
        """Build a ring from base64/hex key strings (or passphrases, hashed with SHA-256)."""
        return cls(derive_key(secret), [derive_key(s) for s in previous])

    @staticmethod
    def generate_secret() -> str:
        """Return a fresh random key as base64 text, suitable for settings."""
        return base64.b64encode(os.urandom(KEY_SIZE)).decode("ascii")

    @property
    def key_ids(self) -> list[str]:
        """Hex ids of the ring's keys, the current one first."""
        return [kid.hex() for kid in self._ring]

    def encrypt(self, text: str, *, aad: bytes = b"") -> bytes:
        """Encrypt `text` (UTF-8) under the current key, bound to `aad`."""
        return self.encrypt_bytes(text.encode("utf-8"), aad=aad)

    def encrypt_bytes(self, data: bytes, *, aad: bytes = b"") -> bytes:
        """Encrypt `data`; returns MAGIC || key id || nonce || ciphertext+tag."""
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._ring[self._current].encrypt(nonce, data, aad or None)
        return MAGIC + self._current + nonce + sealed

    def decrypt(self, blob: bytes, *, aad: bytes = b"") -> str:
        """Decrypt a blob made by `encrypt` with the same `aad`; raises PiiDecryptError."""
        return self.decrypt_bytes(blob, aad=aad).decode("utf-8")

    def decrypt_bytes(self, blob: bytes, *, aad: bytes = b"") -> bytes:
        """Decrypt under the key the header names, else (a header-less blob) under any key."""
        blob = bytes(blob)
        if len(blob) < NONCE_SIZE + TAG_SIZE:
            raise PiiDecryptError("ciphertext too short")
        named = self._named(blob)
        if named is not None and (plain := _open(named, blob[HEADER_SIZE:], aad)) is not None:
            return plain
        # a blob from before the ring, or one whose random nonce happens to start with MAGIC:
        # GCM's tag rejects every wrong key, so trying each is safe
        for aead in self._ring.values():
            if (plain := _open(aead, blob, aad)) is not None:
                return plain
        if blob.startswith(MAGIC) and named is None:
            kid = blob[len(MAGIC) : HEADER_SIZE].hex()
            raise PiiDecryptError(f"ciphertext names key {kid}, which is not in the ring")
        raise PiiDecryptError("ciphertext failed authentication")

    def is_current(self, blob: bytes, *, aad: bytes = b"") -> bool:
        """True if the blob is sealed under the current key (checked by its tag, not the id)."""
        blob = bytes(blob)
        if blob[: len(MAGIC)] != MAGIC or blob[len(MAGIC) : HEADER_SIZE] != self._current:
            return False
        return _open(self._ring[self._current], blob[HEADER_SIZE:], aad) is not None

    def reencrypt(self, blob: bytes, *, aad: bytes = b"") -> bytes:
        """The same plaintext sealed anew under the current key."""
        return self.encrypt_bytes(self.decrypt_bytes(blob, aad=aad), aad=aad)

    def encrypt_optional(self, text: str | None, *, aad: bytes = b"") -> bytes | None:
        """Encrypt `text`, passing None through."""
        return None if text is None else self.encrypt(text, aad=aad)

    def decrypt_optional(self, blob: bytes | None, *, aad: bytes = b"") -> str | None:
        """Decrypt `blob`, passing None through."""
        return None if blob is None else self.decrypt(bytes(blob), aad=aad)

    def _named(self, blob: bytes) -> AESGCM | None:
        """The ring key a versioned header names, if the blob has one and the key is known."""
        if not blob.startswith(MAGIC):
            return None
        return self._ring.get(blob[len(MAGIC) : HEADER_SIZE])


def _open(aead: AESGCM, body: bytes, aad: bytes) -> bytes | None:
    """Decrypt nonce || ciphertext+tag, or None if the key, aad or data do not match."""
    if len(body) < NONCE_SIZE + TAG_SIZE:
        return None
    try:
        return aead.decrypt(body[:NONCE_SIZE], body[NONCE_SIZE:], aad or None)
    except InvalidTag:
        return None


def person_ref(id_number: str, *, county_key: bytes) -> str:
    """Return hex HMAC-SHA256 of the normalised (stripped, upper-cased) ID number."""
    message = id_number.strip().upper().encode("utf-8")
    return hmac.digest(county_key, message, "sha256").hex()
