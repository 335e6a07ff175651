"""Retention: a purge round drops published outbox rows past their retention and inbox rows past
their consumer's (longest topic retention + margin), keeps everything younger or unpublished, and
counts what it purged."""

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from prometheus_client import REGISTRY
from shouwang.common.db.inbox import INBOX_MARGIN_DAYS, inbox_retention_days
from shouwang.common.db.outbox import outbox_rows
from shouwang.common.events.topics import TOPICS, VERIFICATION_TASKS
from shouwang.common.relay import OutboxRelay
from shouwang.common.retention import retention_loop
from sqlalchemy import insert

NOW = datetime.now(UTC)
LONGEST = max(t.retention_days for t in TOPICS) + INBOX_MARGIN_DAYS


def test_an_inbox_row_outlives_every_topic_its_consumer_reads():
    for topic in TOPICS:
        assert inbox_retention_days([topic.name]) > topic.retention_days
    assert inbox_retention_days([VERIFICATION_TASKS.name, "policy.settings"]) == LONGEST
    assert inbox_retention_days(["test.unknown"]) == LONGEST, "unknown topics: the longest"


async def _stage(scratch) -> None:
    published = {"old": NOW - timedelta(days=8), "recent": NOW - timedelta(days=6), "no": None}
    rows = outbox_rows([scratch.event(i) for i in range(3)])
    for row, (label, at) in zip(rows, published.items(), strict=True):
        row.update(published_at=at, subject=label)
    inbox = [
        ("c-tasks", "expired", NOW - timedelta(days=VERIFICATION_TASKS.retention_days + 15)),
        ("c-tasks", "kept", NOW - timedelta(days=VERIFICATION_TASKS.retention_days + 13)),
        ("c-gone", "orphan-expired", NOW - timedelta(days=LONGEST + 1)),
        ("c-gone", "orphan-kept", NOW - timedelta(days=400)),
        # a long topic, but the consumer declares a short inbox (its effect is idempotent)
        ("c-short", "short-expired", NOW - timedelta(days=25)),
        ("c-short", "short-kept", NOW - timedelta(days=15)),
    ]
    async with scratch.engine.begin() as conn:
        await conn.execute(insert(scratch.outbox), rows)
        await conn.execute(
            insert(scratch.inbox),
            [{"consumer": c, "event_id": e, "processed_at": at} for c, e, at in inbox],
        )


class _OneRound:
    """Settings whose sweep interval, asked after each round, stops the loop."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop

    @property
    def retention_sweep_seconds(self) -> float:
        self.stop.set()
        return 0.0


def _runtime(scratch, stop: asyncio.Event) -> SimpleNamespace:
    relay = OutboxRelay(engine=scratch.engine, table=scratch.outbox, producer=scratch.producer)
    consumers = [
        SimpleNamespace(
            name="c-tasks", topics=[VERIFICATION_TASKS.name], inbox_retention_days=None
        ),
        SimpleNamespace(name="c-short", topics=["policy.settings"], inbox_retention_days=20),
    ]
    return SimpleNamespace(engine=scratch.engine, relay=relay, inbox=scratch.inbox,
                           consumers=consumers, settings=_OneRound(stop))  # fmt: skip


def _purged(job: str) -> float:
    labels = {"loop": "test.retention", "job": job}
    return REGISTRY.get_sample_value("shouwang_periodic_items_total", labels) or 0.0


async def test_a_retention_round_purges_only_what_is_past_retention(scratch):
    await _stage(scratch)
    stop = asyncio.Event()
    before = (_purged("purge_outbox"), _purged("purge_inboxes"))
    await asyncio.wait_for(retention_loop("test")(_runtime(scratch, stop), stop), timeout=30)

    outbox_left = await scratch.scalar(
        "SELECT string_agg(subject, ',' ORDER BY id) FROM {s}.outbox"
    )
    assert outbox_left == "recent,no", "published past retention purged; recent and pending kept"
    inbox_left = await scratch.scalar(
        "SELECT string_agg(event_id, ',' ORDER BY event_id) FROM {s}.inbox"
    )
    assert inbox_left == "kept,orphan-kept,short-kept"
    assert (_purged("purge_outbox"), _purged("purge_inboxes")) == (before[0] + 1, before[1] + 3)
