"""Transient database failures (retry later) told apart from failures of the statement itself."""

import asyncpg
import pytest
from shouwang.common.db.engine import build_engine
from shouwang.common.db.transient import is_transient, sqlstate
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def _failure(database_url: str, sql: str, *, terminate_first: bool = False) -> DBAPIError:
    engine = build_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            if terminate_first:
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                killer = await asyncpg.connect(database_url.replace("+asyncpg", ""))
                await killer.execute("SELECT pg_terminate_backend($1)", pid)
                await killer.close()
            with pytest.raises(DBAPIError) as caught:
                await conn.execute(text(sql))
            return caught.value
    finally:
        await engine.dispose()


async def test_a_backend_terminated_by_the_server_is_transient(database_url):
    failure = await _failure(database_url, "SELECT 1", terminate_first=True)
    assert is_transient(failure), repr(failure)


async def test_errors_of_the_statement_are_not_transient(database_url):
    division = await _failure(database_url, "SELECT 1 / 0")
    duplicate = await _failure(
        database_url,
        "DO $$ BEGIN RAISE EXCEPTION 'dup' USING ERRCODE = 'unique_violation'; END $$",
    )
    assert sqlstate(division) == "22012" and not is_transient(division)
    assert sqlstate(duplicate) == "23505" and not is_transient(duplicate)


async def test_server_shutting_down_or_starting_up_is_transient_by_sqlstate(database_url):
    # 57P01 admin_shutdown is raised by asyncpg as a plain PostgresError, so SQLAlchemy gives
    # it the generic DBAPIError class: only its SQLSTATE says "retry"
    failure = await _failure(
        database_url,
        "DO $$ BEGIN RAISE EXCEPTION 'going down' USING ERRCODE = 'admin_shutdown'; END $$",
    )
    assert not failure.connection_invalidated
    assert sqlstate(failure) == "57P01" and is_transient(failure)


async def test_the_pool_recovers_after_its_connections_die_without_a_pre_ping(database_url):
    # a restart leaves every pooled connection stale: the first use fails as transient (the
    # caller retries), the pool is invalidated, and the next checkout gets a live connection
    engine = build_engine(database_url, pool_size=2)
    killer = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        async with engine.connect() as first, engine.connect() as second:
            pids = [(await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                    for c in (first, second)]  # fmt: skip
        await killer.execute("SELECT pg_terminate_backend(p) FROM unnest($1::int[]) p", pids)
        with pytest.raises(DBAPIError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert caught.value.connection_invalidated and is_transient(caught.value)
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert pid not in pids, "a fresh connection, not a stale one from the pool"
    finally:
        await killer.close()
        await engine.dispose()
