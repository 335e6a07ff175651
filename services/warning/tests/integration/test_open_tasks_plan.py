"""Routing's open-task lookup stays an index lookup under a prepared statement's generic plan."""

import asyncpg
from shouwang.warning.adapters.routed import open_tasks_query
from sqlalchemy.dialects import postgresql


async def test_the_open_task_lookup_uses_the_partial_index_under_a_generic_plan(loop, database_url):
    compiled = open_tasks_query(["a", "b"], "2026-11").compile(
        dialect=postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    )
    names = list(compiled.positiontup or [])
    params = [compiled.params[name] for name in names]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {compiled.string}", *params))
    finally:
        await conn.close()
    assert "uq_tasks_open_person_period" in plan, plan
