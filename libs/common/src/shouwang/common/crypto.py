"""PII protection: AES-256-GCM encryption at rest and `person_ref` pseudonymous lookup keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE: Final = 12
KEY_SIZE: Final = 32


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


class PiiCipher:
    """AES-256-GCM cipher for PII fields; blobs are nonce (12 bytes) || ciphertext+tag."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError("PiiCipher needs a 32-byte key")
        self._aead = AESGCM(key)

    @classmethod
    def from_secret(cls, secret: str) -> PiiCipher:
        """Build a cipher from a base64/hex key string (or any passphrase, hashed with SHA-256)."""
        return cls(derive_key(secret))

    @staticmethod
    def generate_secret() -> str:
        """Return a fresh random key as base64 text, suitable for settings."""
        return base64.b64encode(os.urandom(KEY_SIZE)).decode("ascii")

    def encrypt(self, text: str, *, aad: bytes = b"") -> bytes:
        """Encrypt `text` (UTF-8) bound to `aad`; returns nonce || ciphertext."""
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, text.encode("utf-8"), aad or None)

    def decrypt(self, blob: bytes, *, aad: bytes = b"") -> str:
        """Decrypt a blob made by `encrypt` with the same `aad`; raises PiiDecryptError."""
        if len(blob) < NONCE_SIZE + 16:
            raise PiiDecryptError("ciphertext too short")
        try:
            plain = self._aead.decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], aad or None)
        except InvalidTag as exc:
            raise PiiDecryptError("ciphertext failed authentication") from exc
        return plain.decode("utf-8")

    def encrypt_optional(self, text: str | None, *, aad: bytes = b"") -> bytes | None:
        """Encrypt `text`, passing None through."""
        return None if text is None else self.encrypt(text, aad=aad)

    def decrypt_optional(self, blob: bytes | None, *, aad: bytes = b"") -> str | None:
        """Decrypt `blob`, passing None through."""
        return None if blob is None else self.decrypt(bytes(blob), aad=aad)


def person_ref(id_number: str, *, county_key: bytes) -> str:
    """Return hex HMAC-SHA256 of the normalised (stripped, upper-cased) ID number."""
    message = id_number.strip().upper().encode("utf-8")
    return hmac.digest(county_key, message, "sha256").hex()
