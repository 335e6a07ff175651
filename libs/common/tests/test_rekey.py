"""Re-encryption of a registry's columns in a real database: batches, resumption, failures."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from shouwang.common.crypto import PiiCipher
from shouwang.common.db.base import service_metadata
from shouwang.common.db.encrypted import EncryptedColumn
from shouwang.common.db.engine import build_engine
from shouwang.common.db.rekey import RekeyError, reencrypt
from sqlalchemy import Column, Integer, LargeBinary, PrimaryKeyConstraint, Table, Text, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

A, B, C = (bytes([n]) * 32 for n in (1, 2, 3))


@dataclass
class People:
    engine: AsyncEngine
    table: Table
    columns: tuple[EncryptedColumn, ...]

    async def insert(self, cipher: PiiCipher, *keys: tuple[int, str]) -> None:
        rows = [{"region": r, "seq": s, "name_enc": cipher.encrypt(f"name {r}{s}", aad=b"name"),
                 "phone_enc": cipher.encrypt(f"phone {r}{s}", aad=b"phone") if r % 2 else None}
                for r, s in keys]  # fmt: skip
        async with self.engine.begin() as conn:
            await conn.execute(self.table.insert(), rows)

    async def rows(self) -> list[dict]:
        async with self.engine.connect() as conn:
            result = await conn.execute(select(self.table).order_by(*self.table.primary_key))
            return [dict(r) for r in result.mappings()]


@pytest.fixture
async def people(database_url: str) -> AsyncIterator[People]:
    """A throwaway table with a composite primary key and two encrypted columns."""
    metadata = service_metadata(f"rekey_{uuid.uuid4().hex[:10]}")
    table = Table(
        "people", metadata,
        Column("region", Integer), Column("seq", Text),
        Column("name_enc", LargeBinary, nullable=False), Column("phone_enc", LargeBinary),
        PrimaryKeyConstraint("region", "seq"),
    )  # fmt: skip
    columns = (EncryptedColumn(table, "name_enc", b"name"),
               EncryptedColumn(table, "phone_enc", b"phone"))  # fmt: skip
    engine = build_engine(database_url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{metadata.schema}"'))
        await conn.run_sync(metadata.create_all)
    try:
        yield People(engine, table, columns)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{metadata.schema}" CASCADE'))
        await engine.dispose()


async def test_every_blob_moves_to_the_current_key_in_batches_and_only_once(people):
    keys = [(r, s) for r in (1, 2, 3) for s in ("a", "b", "c")]  # 9 rows: 4 batches of 2 + 1
    await people.insert(PiiCipher(A), *keys[:5])
    await people.insert(PiiCipher(B), *keys[5:])  # already under the new key
    ring = PiiCipher(B, previous=[A])
    seen = []

    dry = await reencrypt(people.engine, people.columns, ring, batch_size=2, dry_run=True)
    assert (dry[0].scanned, dry[0].reencrypted) == (9, 5)
    assert not any(ring.is_current(r["name_enc"], aad=b"name") for r in (await people.rows())[:5])

    (report,) = await reencrypt(
        people.engine,
        people.columns,
        ring,
        batch_size=2,
        progress=lambda r: seen.append((r.scanned, r.done)),
    )
    assert (report.scanned, report.reencrypted, report.done) == (9, 5, True)
    assert seen == [(2, False), (4, False), (6, False), (8, False), (9, True)]
    only_b = PiiCipher(B)
    for row in await people.rows():
        r, s = row["region"], row["seq"]
        assert only_b.decrypt(row["name_enc"], aad=b"name") == f"name {r}{s}"
        if r % 2:
            assert only_b.decrypt(row["phone_enc"], aad=b"phone") == f"phone {r}{s}"
        else:
            assert row["phone_enc"] is None

    (again,) = await reencrypt(people.engine, people.columns, ring, batch_size=2)
    assert (again.scanned, again.reencrypted) == (9, 0)


async def test_a_blob_outside_the_ring_stops_the_run_and_names_its_row(people):
    await people.insert(PiiCipher(A), (1, "a"), (1, "b"))
    await people.insert(PiiCipher(C), (2, "a"))
    await people.insert(PiiCipher(A), (3, "a"))
    ring = PiiCipher(B, previous=[A])
    with pytest.raises(RekeyError, match=r"people\.name_enc \{'region': '2', 'seq': 'a'\}"):
        await reencrypt(people.engine, people.columns, ring, batch_size=2)
    rows = await people.rows()
    assert [ring.is_current(r["name_enc"], aad=b"name") for r in rows] == [
        True, True, False, False]  # the batch before the failure committed  # fmt: skip
    await people.insert(PiiCipher(A), (4, "a"))
    with pytest.raises(RekeyError):  # resumes, and stops at the same row
        await reencrypt(people.engine, people.columns, PiiCipher(B, previous=[A]))
    (report,) = await reencrypt(people.engine, people.columns, PiiCipher(B, previous=[A, C]))
    assert (report.scanned, report.reencrypted) == (5, 3)
