"""Idempotency-Key: same key + same body → the first response; different body → 409.

Each service keeps its keys in its own `idempotency_keys` table, written in the same transaction
as the effect, so a retried POST replays the first answer instead of doing the work twice.
"""

import hashlib
from typing import Any

from shouwang.common.failures import Conflict
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def idempotency_table(metadata: MetaData) -> Table:
    """Declare a service's `idempotency_keys` table (one row per caller and key)."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("principal", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("request_hash", Text, nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )


class IdempotencyKeys:
    """The stored first answers of one service's creating POSTs."""

    def __init__(self, table: Table) -> None:
        self.table = table

    @staticmethod
    def request_hash(body: bytes) -> str:
        """Fingerprint of the request body."""
        return hashlib.sha256(body).hexdigest()

    async def replay(
        self,
        session: AsyncSession | AsyncConnection,
        *,
        principal: str,
        key: str | None,
        body_hash: str,
    ) -> tuple[int, dict[str, Any]] | None:
        """Return the stored response for a retried request, or None for a new one."""
        if not key:
            return None
        t = self.table
        stmt = select(t).where(t.c.principal == principal, t.c.key == key)
        row = (await session.execute(stmt)).mappings().first()
        if row is None:
            return None
        if row["request_hash"] != body_hash:
            raise Conflict(
                "幂等键已用于不同的请求内容", code="idempotency_key_reused", field="Idempotency-Key"
            )
        return int(row["status_code"]), dict(row["response"])

    async def remember(
        self,
        session: AsyncSession,
        *,
        principal: str,
        key: str | None,
        body_hash: str,
        status_code: int,
        response: dict[str, Any],
    ) -> None:
        """Store the response in the same transaction as the effect."""
        if key:
            values = {"principal": principal, "key": key, "request_hash": body_hash,
                      "status_code": status_code, "response": response}  # fmt: skip
            await session.execute(insert(self.table).values(**values))
