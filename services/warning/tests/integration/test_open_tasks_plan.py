"""Routing's open-task lookup stays an index lookup under a prepared statement's generic plan.

asyncpg prepares every statement; after a few runs Postgres may settle on a generic plan, made
without the parameters' values. A predicate of the partial index written with bound parameters
cannot be proven there, and each batch scanned every task of the period.
"""

import asyncpg
from shouwang.warning.adapters.routed import open_tasks_query
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg


def _literal(value: object) -> str:
    if isinstance(value, list | tuple):
        return "ARRAY[" + ", ".join(_literal(v) for v in value) + "]::text[]"
    return "'" + str(value).replace("'", "''") + "'"


async def test_the_open_task_lookup_uses_the_partial_index_under_a_generic_plan(loop, database_url):
    compiled = open_tasks_query(["a", "b"], "2026-11").compile(
        dialect=pg_asyncpg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    values = [_literal(compiled.params[name]) for name in compiled.positiontup or []]
    conn = await asyncpg.connect(database_url)
    try:
        # a generic plan, and a table of any size: the index must be usable, not merely cheaper
        await conn.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        await conn.execute(f"PREPARE open_tasks AS {compiled.string}")
        rows = await conn.fetch(f"EXPLAIN EXECUTE open_tasks({', '.join(values)})")
    finally:
        await conn.close()
    plan = "\n".join(r[0] for r in rows)
    assert "uq_tasks_open_person_period" in plan, plan
    assert "$1" in plan, plan  # the generic plan: made without the values
