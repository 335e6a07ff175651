"""Warning's PII blobs and their AAD, for `shouwang keys reencrypt warning`.

Not listed: the township feed (`task_feed`), whose payloads omit sealed PII, and `pii_sealed`
in outbox payloads (TaskConfirmed). An outbox row is an event on its way
or already published, and published rows are purged after `outbox_retention_days`; the old key
stays in the ring at least that long (deploy/README.md), so a relay or a replay still opens them.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from shouwang.common.crypto import PiiCipher
from shouwang.common.db.encrypted import EncryptedColumn
from shouwang.common.identity import ID_NUMBER_AAD, NAME_AAD
from shouwang.warning.adapters.originals import reseal_raw
from shouwang.warning.adapters.tables import batch_items, batches, tasks, unroutable

# Filed originals are immutable (trigger `batches_immutable`), yet one under a retired key would
# keep that key alive for as long as the batch is kept, i.e. for ever. The trigger lets `raw`, and
# nothing else, change in a transaction that set this flag; reseal_raw writes a new envelope only
# after the content matched the sha256 recorded at filing, so what was filed provably stays.
RESEAL_ORIGINALS = "SELECT set_config('warning.reseal_originals', 'on', true)"


def _reseal_original(sealed: bytes, row: Mapping[str, Any], cipher: PiiCipher) -> bytes | None:
    batch_id: uuid.UUID = row["id"]
    return reseal_raw(sealed, cipher=cipher, batch_id=batch_id, sha256=row["sha256"])


ENCRYPTED_COLUMNS = (
    # one original per transaction: each can be tens of MiB
    EncryptedColumn(
        batches,
        "raw",
        reseal=_reseal_original,
        reads=("sha256",),
        unlock=RESEAL_ORIGINALS,
        batch_cap=1,
    ),
    *(
        EncryptedColumn(table, column, aad)
        for table in (batch_items, tasks, unroutable)
        for column, aad in (("id_enc", ID_NUMBER_AAD), ("name_enc", NAME_AAD))
    ),
)
