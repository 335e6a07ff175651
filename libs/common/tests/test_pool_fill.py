"""A service may open its whole connection pool at start-up instead of on its first burst."""

from shouwang.common.db.engine import build_engine, fill_pool


async def test_filling_leaves_the_pool_holding_its_connections(database_url):
    engine = build_engine(database_url, pool_size=4, overflow=2)
    try:
        assert engine.pool.checkedin() == 0  # type: ignore[attr-defined]
        await fill_pool(engine, 4)
        assert engine.pool.checkedin() == 4  # type: ignore[attr-defined]
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
