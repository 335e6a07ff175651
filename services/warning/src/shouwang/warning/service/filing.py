"""What a filed batch stores: the sealed original (adapters.originals) and its item rows."""

import uuid
from collections.abc import Iterable
from typing import Any

from shouwang.common.identity import protect_person
from shouwang.warning.adapters.batches import add_items
from shouwang.warning.adapters.originals import open_raw, reseal_raw, seal_file, seal_raw
from shouwang.warning.domain.items import ValidItem
from shouwang.warning.runtime import WarningRuntime
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = [
    "item_rows",
    "open_raw",
    "reseal_raw",
    "seal_file",
    "seal_raw",
    "store_items",
]

ITEM_CHUNK = 5000


def item_rows(
    batch_id: uuid.UUID, items: Iterable[ValidItem], *, runtime: WarningRuntime, county: str
) -> list[dict[str, Any]]:
    """Protect (pseudonymise, encrypt, mask) accepted items into batch_items rows."""
    rows = []
    for item in items:
        person = protect_person(
            item.id_number,
            item.name,
            cipher=runtime.cipher,
            master_secret=runtime.settings.hmac_key.get_secret_value(),
            county_code=county,
        )
        rows.append(
            {
                "batch_id": batch_id,
                "idx": item.index,
                "person_ref": person.person_ref,
                "id_enc": person.id_enc,
                "name_enc": person.name_enc,
                "id_masked": person.id_masked,
                "name_masked": person.name_masked,
                "village_code": item.village_code,
                "routable": item.routable,
                "indicator": item.indicator,
                "values": item.values,
                "observed_on": item.observed_on,
                "note": item.note,
            }
        )
    return rows


async def store_items(
    session: AsyncSession,
    batch_id: uuid.UUID,
    items: list[ValidItem],
    *,
    runtime: WarningRuntime,
    county: str,
) -> None:
    """Protect and insert accepted items in chunks of ITEM_CHUNK."""
    for start in range(0, len(items), ITEM_CHUNK):
        chunk = items[start : start + ITEM_CHUNK]
        await add_items(session, item_rows(batch_id, chunk, runtime=runtime, county=county))
