"""Intake's PII blobs and their AAD, for `shouwang keys reencrypt intake`.

Not listed: `pii_sealed` in outbox payloads (DeclarationReceived). An outbox row is an event on its
way or already published, and published rows are purged after `outbox_retention_days`; the old
key stays in the ring at least that long (deploy/README.md), so a relay or a replay still opens
them.
"""

from shouwang.common.db.encrypted import EncryptedColumn
from shouwang.common.identity import ID_NUMBER_AAD, NAME_AAD
from shouwang.intake.adapters.tables import declarations, repeats

ENCRYPTED_COLUMNS = (
    EncryptedColumn(declarations, "id_enc", ID_NUMBER_AAD),
    EncryptedColumn(declarations, "name_enc", NAME_AAD),
    EncryptedColumn(declarations, "phone_enc", b"phone"),
    EncryptedColumn(declarations, "description_enc", b"description"),
    EncryptedColumn(repeats, "description_enc", b"description"),
)
