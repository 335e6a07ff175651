"""Members as stored: protected (encrypted + masked) from what a request or an import gives."""

import uuid
from typing import Any

from shouwang.assistance.domain.errors import BadRequest
from shouwang.common.crypto import PiiCipher
from shouwang.common.identity import protect_person
from shouwang.common.idnumber import validate_id_number
from shouwang.common.masking import mask_phone

ID_ERRORS = {
    "id_number_length": "身份证号码应为 18 位",
    "id_number_format": "身份证号码格式不正确",
    "id_number_birth_date": "身份证号码中的出生日期不正确",
    "id_number_checksum": "身份证号码校验位不正确",
}


def check_id_number(id_number: str, *, field: str) -> None:
    """Raise BadRequest (422) with the GB 11643 reason if the ID number is not valid."""
    error = validate_id_number(id_number)
    if error:
        raise BadRequest(ID_ERRORS[error], field=field, details={"code": error})


def member_row(
    member: dict[str, Any],
    *,
    household_id: uuid.UUID,
    county_code: str,
    cipher: PiiCipher,
    master_secret: str,
    is_head: bool,
) -> dict[str, Any]:
    """The members-table row of one person (ID number and name encrypted, masked copies kept)."""
    person = protect_person(
        member["id_number"],
        member["name"],
        cipher=cipher,
        master_secret=master_secret,
        county_code=county_code,
    )
    phone = (member.get("phone") or "").strip() or None
    return {
        "id": uuid.uuid4(),
        "household_id": household_id,
        "county_code": county_code,
        "person_ref": person.person_ref,
        "id_enc": person.id_enc,
        "name_enc": person.name_enc,
        "id_masked": person.id_masked,
        "name_masked": person.name_masked,
        "phone_enc": cipher.encrypt(phone, aad=b"phone") if phone else None,
        "phone_masked": mask_phone(phone) if phone else None,
        "relation": member.get("relation") or "户主",
        "labour": member["labour"],
        "is_head": is_head,
    }


def encrypt_address(address: str | None, cipher: PiiCipher) -> bytes | None:
    """The encrypted address (None when absent)."""
    return cipher.encrypt(address, aad=b"address") if address else None
