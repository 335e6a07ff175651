"""Keyset paging on (created_at, key), oldest first (or newest first), with opaque cursors.

Stable while rows are added (no offset drift) and cheap at any depth: every list a clerk pages
through (tasks, declarations, held items) uses it.
"""

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shouwang.common.failures import Invalid
from sqlalchemy import Column, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession


def encode_cursor(created_at: datetime, key: object) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{key}".encode()).decode()


def decode_cursor(cursor: str, parse_key: Callable[[str], Any] = str) -> tuple[datetime, Any]:
    """Open a cursor made by encode_cursor, or answer 422."""
    try:
        created, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created), parse_key(key)
    except ValueError:
        raise Invalid("分页游标无效", code="invalid_cursor", field="cursor") from None


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    created: Column[Any],
    key: Column[Any],
    limit: int,
    cursor: str | None,
    parse_key: Callable[[str], Any] = str,
    newest_first: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of `stmt` after `cursor`, and the cursor of the next page (None at the end)."""
    if cursor:
        after, after_key = decode_cursor(cursor, parse_key)
        if newest_first:
            stmt = stmt.where(or_(created < after, and_(created == after, key < after_key)))
        else:
            stmt = stmt.where(or_(created > after, and_(created == after, key > after_key)))
    order = (created.desc(), key.desc()) if newest_first else (created, key)
    ordered = stmt.order_by(None).order_by(*order).limit(limit + 1)
    rows = (await session.execute(ordered)).mappings().all()
    page = [dict(r) for r in rows[:limit]]
    if len(rows) <= limit:
        return page, None
    return page, encode_cursor(page[-1][created.name], page[-1][key.name])
