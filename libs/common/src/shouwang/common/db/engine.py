"""Async engine and session factory."""

import asyncio

from shouwang.common.config import to_async_url
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def build_engine(
    database_url: str,
    *,
    pool_size: int = 10,
    overflow: int | None = None,
    pre_ping: bool = False,
) -> AsyncEngine:
    """Build the async engine for a postgresql:// URL (see CommonSettings.db_pool_*); the
    overflow defaults to the pool's size."""
    return create_async_engine(
        to_async_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size if overflow is None else overflow,
        pool_pre_ping=pre_ping,
    )


async def fill_pool(engine: AsyncEngine, connections: int) -> None:
    """Open `connections` connections at once and leave them in the pool.

    NOTE: a pool fills lazily: the first burst after a start (or after a stall held many
    connections at once) pays for connecting while requests wait; filled at start-up instead.
    """

    async def one() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.gather(*(one() for _ in range(connections)))


def build_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a session factory whose objects survive commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
