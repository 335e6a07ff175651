"""A filed original under key rotation: a new envelope for the same content, nothing else."""

import hashlib
import uuid

import asyncpg
import pytest
from shouwang.common.crypto import PiiCipher
from shouwang.common.testing.fixtures import auth
from shouwang.warning.adapters.encrypted import RESEAL_ORIGINALS
from shouwang.warning.adapters.originals import reseal_raw

IMMUTABLE = "filed batch originals are immutable"


async def _filed(loop) -> tuple[uuid.UUID, bytes, str]:
    resp = await loop.push([loop.item(loop.person())])
    assert resp.status_code == 202, resp.text
    batch_id = uuid.UUID(resp.json()["batch_id"])
    raw = await loop.client.get(f"/api/v1/warning-batches/{batch_id}/raw", headers=loop.dept())
    return batch_id, raw.content, raw.headers["X-Content-SHA256"]


async def test_reseal_keeps_the_filed_bytes_and_refuses_another_hash(loop, database_url):
    batch_id, content, sha256 = await _filed(loop)
    conn = await asyncpg.connect(database_url)
    try:
        sealed = await conn.fetchval("SELECT raw FROM warning.batches WHERE id = $1", batch_id)
    finally:
        await conn.close()
    old_key = loop.runtime.settings.encryption_key.get_secret_value()
    ring = PiiCipher.from_secret(PiiCipher.generate_secret(), previous=[old_key])
    with pytest.raises(ValueError, match="sha256"):
        reseal_raw(sealed, cipher=ring, batch_id=batch_id, sha256=hashlib.sha256(b"x").hexdigest())
    resealed = reseal_raw(sealed, cipher=ring, batch_id=batch_id, sha256=sha256)
    assert resealed is not None and resealed != sealed
    assert reseal_raw(resealed, cipher=ring, batch_id=batch_id, sha256=sha256) is None
    assert hashlib.sha256(content).hexdigest() == sha256
    assert ring.decrypt_bytes(resealed, aad=batch_id.bytes) == content


async def test_the_trigger_lets_only_a_flagged_raw_only_change_through(loop, database_url):
    batch_id, _, _ = await _filed(loop)
    conn = await asyncpg.connect(database_url)
    set_raw = "UPDATE warning.batches SET raw = raw || '\\x00'::bytea WHERE id = $1"
    try:
        with pytest.raises(asyncpg.RaiseError, match=IMMUTABLE):
            await conn.execute(set_raw, batch_id)
        refused = {
            "raw and another column": set_raw.replace("SET raw", "SET processing = 'x', raw"),
            "sha256": "UPDATE warning.batches SET sha256 = 'x' WHERE id = $1",
            "delete": "DELETE FROM warning.batches WHERE id = $1",
        }
        for what, sql in refused.items():
            async with conn.transaction():
                await conn.execute(RESEAL_ORIGINALS)
                with pytest.raises(asyncpg.RaiseError, match="immutable|cannot be deleted"):
                    await conn.execute(sql, batch_id)
                    pytest.fail(f"{what} went through")
        tx = conn.transaction()
        await tx.start()
        await conn.execute(RESEAL_ORIGINALS)
        assert await conn.execute(set_raw, batch_id) == "UPDATE 1"
        await tx.rollback()
        with pytest.raises(asyncpg.RaiseError, match=IMMUTABLE):  # the flag died with it
            await conn.execute(set_raw, batch_id)
    finally:
        await conn.close()
    county = auth("county", loop.COUNTY)
    resp = await loop.client.get(f"/api/v1/warning-batches/{batch_id}/raw", headers=county)
    assert resp.status_code == 200
