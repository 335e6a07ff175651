"""The PII key ring: versioned blobs, previous keys that still decrypt, legacy blobs."""

import base64
import hashlib
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from shouwang.common.crypto import MAGIC, PiiCipher, PiiDecryptError, key_id
from shouwang.common.identity import seal_pii, unseal_pii

A, B, C = (bytes([n]) * 32 for n in (1, 2, 3))


def legacy_blob(key: bytes, text: str, *, aad: bytes = b"", nonce: bytes | None = None) -> bytes:
    """A blob as written before the key ring: nonce || ciphertext+tag, no header."""
    nonce = nonce or os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, text.encode(), aad or None)


def test_a_new_blob_names_the_current_key() -> None:
    ring = PiiCipher(B, previous=[A])
    blob = ring.encrypt("张三", aad=b"name")
    assert blob.startswith(MAGIC + key_id(B))
    assert key_id(B) == hashlib.sha256(B).digest()[:4]
    assert ring.key_ids == [key_id(B).hex(), key_id(A).hex()]
    assert ring.decrypt(blob, aad=b"name") == "张三"
    assert PiiCipher(B).decrypt(blob, aad=b"name") == "张三"
    assert ring.is_current(blob, aad=b"name")


def test_a_previous_key_still_decrypts_and_reencrypt_moves_to_the_current() -> None:
    old = PiiCipher(A).encrypt("李四", aad=b"id_number")
    ring = PiiCipher(B, previous=[A])
    assert ring.decrypt(old, aad=b"id_number") == "李四"
    assert not ring.is_current(old, aad=b"id_number")
    moved = ring.reencrypt(old, aad=b"id_number")
    assert ring.is_current(moved, aad=b"id_number")
    assert PiiCipher(B).decrypt(moved, aad=b"id_number") == "李四"
    with pytest.raises(PiiDecryptError, match=key_id(B).hex()):
        PiiCipher(A).decrypt(moved, aad=b"id_number")


def test_legacy_header_less_blobs_are_read_under_any_key_of_the_ring() -> None:
    ring = PiiCipher(B, previous=[A])
    for key in (A, B):
        blob = legacy_blob(key, "王五", aad=b"phone")
        assert ring.decrypt(blob, aad=b"phone") == "王五"
        assert not ring.is_current(blob, aad=b"phone")  # no header: re-encrypted once
        assert ring.is_current(ring.reencrypt(blob, aad=b"phone"), aad=b"phone")


def test_a_legacy_blob_whose_nonce_looks_like_a_header_is_still_read() -> None:
    ring = PiiCipher(B, previous=[A])
    for key in (A, B):
        nonce = MAGIC + key_id(B) + os.urandom(6)  # the current key's header, by chance
        blob = legacy_blob(key, "赵六", aad=b"name", nonce=nonce)
        assert ring.decrypt(blob, aad=b"name") == "赵六"
        assert not ring.is_current(blob, aad=b"name")


def test_a_key_outside_the_ring_fails() -> None:
    blob = PiiCipher(C).encrypt("钱七")
    with pytest.raises(PiiDecryptError, match=f"names key {key_id(C).hex()}"):
        PiiCipher(B, previous=[A]).decrypt(blob)
    with pytest.raises(PiiDecryptError):
        PiiCipher(B, previous=[A]).decrypt(legacy_blob(C, "钱七"))
    assert not PiiCipher(B, previous=[A]).is_current(blob)


def test_aad_stays_bound_under_every_key() -> None:
    ring = PiiCipher(B, previous=[A])
    for blob in (
        ring.encrypt("孙八", aad=b"name"),
        PiiCipher(A).encrypt("孙八", aad=b"name"),
        legacy_blob(A, "孙八", aad=b"name"),
    ):
        with pytest.raises(PiiDecryptError):
            ring.decrypt(blob, aad=b"id_number")
        with pytest.raises(PiiDecryptError):
            ring.reencrypt(blob, aad=b"id_number")
    assert not ring.is_current(ring.encrypt("孙八", aad=b"name"), aad=b"id_number")


def test_a_tampered_header_or_body_fails() -> None:
    ring = PiiCipher(B, previous=[A])
    blob = bytearray(ring.encrypt("周九"))
    blob[-1] ^= 1
    with pytest.raises(PiiDecryptError):
        ring.decrypt(bytes(blob))
    swapped = MAGIC + key_id(A) + ring.encrypt("周九")[len(MAGIC) + 4 :]
    with pytest.raises(PiiDecryptError):
        ring.decrypt(swapped)


def test_ring_from_secrets_dedupes_and_refuses_bad_keys() -> None:
    a, b = base64.b64encode(A).decode(), B.hex()
    ring = PiiCipher.from_secret(b, previous=[a, b, a])
    assert ring.key_ids == [key_id(B).hex(), key_id(A).hex()]
    assert ring.decrypt(PiiCipher(A).encrypt("x")) == "x"
    with pytest.raises(ValueError):
        PiiCipher(B, previous=[b"short"])


def test_sealed_transit_pii_follows_the_ring() -> None:
    sealed = seal_pii({"id_number": "X", "name": "吴十"}, cipher=PiiCipher(A))
    ring = PiiCipher(B, previous=[A])
    assert unseal_pii(sealed, cipher=ring) == {"id_number": "X", "name": "吴十"}
    fresh = seal_pii({"id_number": "X", "name": "吴十"}, cipher=ring)
    assert unseal_pii(fresh, cipher=PiiCipher(B)) == {"id_number": "X", "name": "吴十"}
