"""The township live feed is purged after feed_retention_days; younger rows stay."""

import uuid
from datetime import timedelta

from shouwang.warning.adapters.tables import task_feed
from shouwang.warning.service.feed_retention import purge_task_feed
from sqlalchemy import insert, select


async def test_feed_rows_past_the_retention_are_purged_and_younger_ones_kept(warning_client):
    runtime = warning_client.app.state.runtime
    township = f"9{uuid.uuid4().int % 10**8:08d}"  # a township no other test writes to
    now = runtime.clock.now()
    keep_days = runtime.settings.feed_retention_days
    ages = {"expired": keep_days + 1, "kept": keep_days - 1}
    async with runtime.engine.begin() as conn:
        for label, days in ages.items():
            await conn.execute(
                insert(task_feed).values(
                    township_code=township, event_type=label, task_id=uuid.uuid4(),
                    payload={}, at=now - timedelta(days=days),
                )
            )  # fmt: skip
    # NOTE: the service's own loop may purge first (tests sweep often); either way it is this job
    purged = await purge_task_feed(runtime)
    async with runtime.engine.connect() as conn:
        left = (
            await conn.execute(
                select(task_feed.c.event_type).where(task_feed.c.township_code == township)
            )
        ).scalars().all()  # fmt: skip
    assert left == ["kept"]
    assert isinstance(purged, int)
