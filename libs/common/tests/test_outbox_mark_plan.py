"""Marking a batch published never tests each row against the whole id list.

The relay marks up to 10,000 rows at once. Written as `id = ANY(ids)`, a plan that scanned the
outbox filtered every row through a linear search of the array (perf: 89 % of the statement in
ExecEvalScalarArrayOp + int8eq; 2 s a batch). Joined to `unnest(ids)`, any plan Postgres picks
matches ids by index or by hash.
"""

import asyncpg
import pytest
from shouwang.common.db.outbox import _mark_statement
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg


@pytest.mark.parametrize("scan", ["enable_indexscan", "enable_seqscan"])
async def test_the_mark_matches_ids_by_index_or_hash_whatever_the_plan(scratch, scan):
    compiled = _mark_statement(scratch.outbox).compile(dialect=pg_asyncpg.dialect())
    conn = await asyncpg.connect(scratch.database_url)
    try:
        # a generic plan, with one way of reading the table taken away
        await conn.execute(f"SET plan_cache_mode = force_generic_plan; SET {scan} = off")
        await conn.execute("SET enable_bitmapscan = off")
        await conn.execute(f"PREPARE mark AS {compiled.string}")
        rows = await conn.fetch("EXPLAIN EXECUTE mark(now(), ARRAY[1, 2, 3]::bigint[])")
    finally:
        await conn.close()
    plan = "\n".join(r[0] for r in rows)
    assert "ANY" not in plan, plan
    assert "unnest" in plan.lower() or "Function Scan" in plan, plan
