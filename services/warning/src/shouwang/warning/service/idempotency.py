"""Idempotency-Key: same key + same body → the first response; different body → 409."""

import hashlib
from typing import Any

from shouwang.common.failures import Conflict
from shouwang.warning.adapters.tables import idempotency_keys
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def replay(
    session: AsyncSession, *, principal: str, key: str | None, body_hash: str
) -> tuple[int, dict[str, Any]] | None:
    """Return the stored response for a retried request, or None for a new one."""
    if not key:
        return None
    row = (
        (
            await session.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.principal == principal, idempotency_keys.c.key == key
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    if row["request_hash"] != body_hash:
        raise Conflict(
            "幂等键已用于不同的请求内容", code="idempotency_key_reused", field="Idempotency-Key"
        )
    return int(row["status_code"]), dict(row["response"])


async def remember(
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
        await session.execute(
            insert(idempotency_keys).values(
                principal=principal,
                key=key,
                request_hash=body_hash,
                status_code=status_code,
                response=response,
            )
        )
