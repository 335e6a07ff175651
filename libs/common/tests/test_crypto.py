"""AES-256-GCM PII encryption and person_ref pseudonyms."""

import base64
import os
import random

import pytest
from shouwang.common.crypto import PiiCipher, PiiDecryptError, derive_key, person_ref
from shouwang.common.idnumber import generate_id_number

KEY = bytes(range(32))


def test_round_trip_with_and_without_aad() -> None:
    cipher = PiiCipher(KEY)
    for text in ["张三", "黑龙江省绥化市绥棱县某村 3 组", "", generate_id_number(random.Random(1))]:
        assert cipher.decrypt(cipher.encrypt(text)) == text
        assert cipher.decrypt(cipher.encrypt(text, aad=b"person:1"), aad=b"person:1") == text


def test_nonce_is_fresh_per_encryption() -> None:
    cipher = PiiCipher(KEY)
    a, b = cipher.encrypt("张三"), cipher.encrypt("张三")
    assert a != b
    assert len(a) == 6 + 12 + len("张三".encode()) + 16  # header, nonce, ciphertext, tag


def test_tampering_wrong_aad_and_wrong_key_are_detected() -> None:
    cipher = PiiCipher(KEY)
    blob = bytearray(cipher.encrypt("张三", aad=b"a"))
    with pytest.raises(PiiDecryptError):
        cipher.decrypt(bytes(blob), aad=b"b")
    with pytest.raises(PiiDecryptError):
        PiiCipher(bytes(32)).decrypt(bytes(blob), aad=b"a")
    blob[-1] ^= 0x01
    with pytest.raises(PiiDecryptError):
        cipher.decrypt(bytes(blob), aad=b"a")
    with pytest.raises(PiiDecryptError):
        cipher.decrypt(b"short")


def test_from_secret_accepts_base64_hex_and_passphrases() -> None:
    key = os.urandom(32)
    blob = PiiCipher(key).encrypt("李四")
    for secret in (
        base64.b64encode(key).decode(),
        key.hex(),
        base64.urlsafe_b64encode(key).decode(),
    ):
        assert PiiCipher.from_secret(secret).decrypt(blob) == "李四"
    assert derive_key("dev passphrase") == derive_key("dev passphrase")
    assert len(derive_key("dev passphrase")) == 32
    assert PiiCipher.from_secret(PiiCipher.generate_secret()).encrypt("x")


def test_bad_key_length_is_rejected() -> None:
    with pytest.raises(ValueError):
        PiiCipher(b"too short")


def test_optional_helpers_pass_none_through() -> None:
    cipher = PiiCipher(KEY)
    assert cipher.encrypt_optional(None) is None
    assert cipher.decrypt_optional(None) is None
    assert cipher.decrypt_optional(cipher.encrypt_optional("王五")) == "王五"


def test_person_ref_is_stable_normalised_and_key_dependent() -> None:
    number = generate_id_number(random.Random(5), birth=None)
    county_a, county_b = b"a" * 32, b"b" * 32
    ref = person_ref(number, county_key=county_a)
    assert len(ref) == 64 and int(ref, 16) >= 0
    assert person_ref(f" {number.lower()} ", county_key=county_a) == ref
    assert person_ref(number, county_key=county_b) != ref
    other = generate_id_number(random.Random(6))
    assert person_ref(other, county_key=county_a) != ref
