"""A person as the system may handle them: pseudonymous ref, masked display, sealed PII."""

import base64
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache

from shouwang.common.crypto import PiiCipher
from shouwang.common.masking import mask_id_number, mask_name

ID_NUMBER_AAD = b"id_number"
NAME_AAD = b"name"
_TRANSIT_AAD = b"shouwang-transit-v1"


@lru_cache(maxsize=4096)
def county_key(master_secret: str, county_code: str) -> bytes:
    """Derive the county's person_ref key from the deployment secret."""
    return hmac.digest(master_secret.encode(), f"county:{county_code}".encode(), "sha256")


def person_ref_of(id_number: str, *, master_secret: str, county_code: str) -> str:
    """HMAC-SHA256 of the normalised ID number under the county key."""
    # NOTE: hmac.digest is the one-shot C path; an hmac.new object per item (two with the key's
    # derivation) was a visible share of filing a pushed batch
    key = county_key(master_secret, county_code)
    return hmac.digest(key, id_number.strip().upper().encode(), "sha256").hex()


@dataclass(frozen=True)
class ProtectedPerson:
    person_ref: str
    id_enc: bytes
    name_enc: bytes
    id_masked: str
    name_masked: str


def protect_person(
    id_number: str, name: str, *, cipher: PiiCipher, master_secret: str, county_code: str
) -> ProtectedPerson:
    """Encrypt and mask a person's ID number and name for storage."""
    normalised = id_number.strip().upper()
    return ProtectedPerson(
        person_ref=person_ref_of(normalised, master_secret=master_secret, county_code=county_code),
        id_enc=cipher.encrypt(normalised, aad=ID_NUMBER_AAD),
        name_enc=cipher.encrypt(name, aad=NAME_AAD),
        id_masked=mask_id_number(normalised),
        name_masked=mask_name(name),
    )


def reveal_person(id_enc: bytes, name_enc: bytes, *, cipher: PiiCipher) -> dict[str, str]:
    """Decrypt a stored person (callers must record the read)."""
    return {
        "id_number": cipher.decrypt(id_enc, aad=ID_NUMBER_AAD),
        "name": cipher.decrypt(name_enc, aad=NAME_AAD),
    }


def seal_pii(fields: dict[str, str], *, cipher: PiiCipher) -> str:
    """Seal PII for another service; the topic only ever carries the ciphertext."""
    blob = cipher.encrypt(json.dumps(fields, ensure_ascii=False), aad=_TRANSIT_AAD)
    return base64.b64encode(blob).decode()


def unseal_pii(sealed: str, *, cipher: PiiCipher) -> dict[str, str]:
    """Open what seal_pii sealed."""
    data: dict[str, str] = json.loads(cipher.decrypt(base64.b64decode(sealed), aad=_TRANSIT_AAD))
    return data


def unseal_person(
    sealed: str, *, cipher: PiiCipher, master_secret: str, county_code: str
) -> ProtectedPerson:
    """Open a person another service sealed ({id_number, name}) and protect it for storage."""
    pii = unseal_pii(sealed, cipher=cipher)
    return protect_person(
        pii["id_number"],
        pii["name"],
        cipher=cipher,
        master_secret=master_secret,
        county_code=county_code,
    )
