"""Assistance's PII blobs and their AAD, for `shouwang keys reencrypt assistance`."""

from shouwang.assistance.adapters.tables import household_cadres, households, members
from shouwang.common.db.encrypted import EncryptedColumn
from shouwang.common.identity import ID_NUMBER_AAD, NAME_AAD

ENCRYPTED_COLUMNS = (
    EncryptedColumn(households, "address_enc", b"address"),
    EncryptedColumn(members, "id_enc", ID_NUMBER_AAD),
    EncryptedColumn(members, "name_enc", NAME_AAD),
    EncryptedColumn(members, "phone_enc", b"phone"),
    EncryptedColumn(household_cadres, "phone_enc", b"phone"),
)
