"""Re-encrypt a service's PII columns under the ring's current key: batched, resumable, idempotent.

Each table is walked in primary-key order (keyset pagination), one transaction per batch: the
batch's rows are locked, every blob not yet under the current key is re-encrypted, the batch
commits. An interrupted run resumes by running again; blobs already under the current key are
left alone (a finished run changes nothing on the next).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shouwang.common.crypto import PiiCipher
from shouwang.common.db.encrypted import EncryptedColumn
from shouwang.common.plugins import service
from sqlalchemy import Column, Table, bindparam, literal, or_, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class RekeyError(RuntimeError):
    """A blob the ring cannot open, or that fails its column's own check."""


@dataclass
class TableReport:
    table: str
    scanned: int = 0
    reencrypted: int = 0  # rows with at least one blob re-encrypted (or, dry run, to be)
    done: bool = False


Progress = Callable[[TableReport], None]


def registry(name: str) -> tuple[EncryptedColumn, ...]:
    """The encrypted columns the service `name` declares next to its tables."""
    found = service(name)
    if found.encrypted_columns is None:
        raise LookupError(f"service {name!r} declares no encrypted columns")
    return tuple(found.load(found.encrypted_columns))


async def reencrypt(
    engine: AsyncEngine,
    columns: Sequence[EncryptedColumn],
    cipher: PiiCipher,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> list[TableReport]:
    """Re-encrypt every listed column, table by table; return what each table saw."""
    tables: dict[Table, list[EncryptedColumn]] = {}
    for column in columns:
        tables.setdefault(column.table, []).append(column)
    walk = _Walk(cipher, batch_size=batch_size, dry_run=dry_run, progress=progress)
    return [await walk.table(engine, table, cols) for table, cols in tables.items()]


@dataclass(frozen=True)
class _Walk:
    cipher: PiiCipher
    batch_size: int
    dry_run: bool
    progress: Progress | None

    async def table(
        self, engine: AsyncEngine, table: Table, columns: list[EncryptedColumn]
    ) -> TableReport:
        report = TableReport(table.fullname)
        pk = list(table.primary_key.columns)
        limit = min([self.batch_size, *(c.batch_cap for c in columns if c.batch_cap)])
        after: tuple[Any, ...] | None = None
        while True:
            async with engine.begin() as conn:
                rows = await self._batch(conn, table, columns, pk, after, limit)
                changes = [(row, new) for row in rows if (new := self._resealed(row, columns))]
                if changes and not self.dry_run:
                    for sql in dict.fromkeys(c.unlock for c in columns if c.unlock):
                        await conn.execute(text(sql))
                    await conn.execute(_update(table, pk, columns), _params(pk, columns, changes))
            report.scanned += len(rows)
            report.reencrypted += len(changes)
            report.done = len(rows) < limit
            if self.progress:
                self.progress(report)
            if report.done:
                return report
            after = tuple(rows[-1][c.name] for c in pk)

    async def _batch(
        self,
        conn: AsyncConnection,
        table: Table,
        columns: list[EncryptedColumn],
        pk: list[Column[Any]],
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        names = dict.fromkeys([*(c.name for c in pk), *(c.column for c in columns)])
        names |= dict.fromkeys(n for c in columns for n in c.reads)
        stmt = select(*(table.c[n] for n in names)).order_by(*pk).limit(limit)
        filters = [c.where for c in columns if c.where is not None]
        if len(filters) == len(columns):  # a column without a filter needs every row
            stmt = stmt.where(or_(*filters))
        if after is not None:
            bound = [literal(value, type_=col.type) for value, col in zip(after, pk, strict=True)]
            stmt = stmt.where(tuple_(*pk) > tuple_(*bound))
        if not self.dry_run:
            stmt = stmt.with_for_update()
        return [dict(row) for row in (await conn.execute(stmt)).mappings()]

    def _resealed(self, row: Mapping[str, Any], columns: list[EncryptedColumn]) -> dict[str, Any]:
        new = {}
        for column in columns:
            value = row[column.column]
            if value is None:
                continue
            try:
                resealed = column.resealed(value, row, self.cipher)
            except ValueError as exc:  # PiiDecryptError, or a column's own check
                pk = {c.name: str(row[c.name]) for c in column.table.primary_key.columns}
                raise RekeyError(f"{column.table.fullname}.{column.column} {pk}: {exc}") from exc
            if resealed is not None:
                new[column.column] = resealed
        return new


def _update(table: Table, pk: list[Column[Any]], columns: list[EncryptedColumn]) -> Any:
    return (
        update(table)
        .where(*(c == bindparam(f"pk_{c.name}") for c in pk))
        .values({c.column: bindparam(f"new_{c.column}") for c in columns})
    )


def _params(
    pk: list[Column[Any]],
    columns: list[EncryptedColumn],
    changes: Sequence[tuple[Mapping[str, Any], dict[str, Any]]],
) -> list[dict[str, Any]]:
    """One parameter set per changed row; a blob already current is written back unchanged."""
    return [
        {
            **{f"pk_{c.name}": row[c.name] for c in pk},
            **{f"new_{c.column}": new.get(c.column, row[c.column]) for c in columns},
        }
        for row, new in changes
    ]
