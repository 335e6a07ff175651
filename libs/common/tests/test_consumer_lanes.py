"""Lanes: a poll's independent parts run concurrently, each effect still exactly once."""

import asyncio
import uuid
from typing import Any

from shouwang.common.events.envelope import EventEnvelope, to_kafka
from shouwang.common.kafka.consumer import EventConsumer
from shouwang.common.kafka.lanes import Lanes, split
from shouwang.common.kafka.producer import send_raw
from shouwang.common.testing.fixtures import wait_until
from sqlalchemy.ext.asyncio import AsyncSession


def _department(envelope: EventEnvelope) -> str:
    return str(getattr(envelope.data, "department", ""))


async def test_split_keeps_each_lane_in_order_and_cuts_it_by_weight(scratch: Any) -> None:
    events = [scratch.event(i, department="a" if i % 2 else "b") for i in range(7)]
    lanes = split(Lanes(key=_department, per_transaction=2), events)
    flat = [[e.subject for e in chunk] for lane in lanes for chunk in lane]
    assert flat == [
        ["batch-0", "batch-2"], ["batch-4", "batch-6"], ["batch-1", "batch-3"], ["batch-5"],
    ]  # fmt: skip


def _consumer(scratch: Any, topic: str, handler: Any) -> EventConsumer:
    return EventConsumer(
        name=f"test-lanes-{uuid.uuid4().hex[:8]}",
        bootstrap_servers=scratch.bootstrap,
        topics=[topic],
        handler=handler,
        sessionmaker=scratch.sessionmaker,
        inbox=scratch.inbox,
        producer=scratch.producer,
        lanes=Lanes(key=_department, per_transaction=1),
    )


async def _produce(scratch: Any, topic: str, events: list[EventEnvelope]) -> None:
    for envelope in events:
        key, value, headers = to_kafka(envelope)
        await send_raw(scratch.producer, topic=topic, key=key, value=value, headers=headers)


async def test_lanes_of_one_poll_are_in_flight_together(scratch: Any) -> None:
    """Each lane waits inside its transaction for the other: serial lanes would time out."""
    topic = await scratch.new_topic()
    events = [scratch.event(1, department="a"), scratch.event(2, department="b")]
    await _produce(scratch, topic, events)
    inside = {"a": asyncio.Event(), "b": asyncio.Event()}
    timed_out: list[str] = []

    async def handler(envelope: EventEnvelope, session: AsyncSession) -> None:
        mine = _department(envelope)
        inside[mine].set()
        other = inside["b" if mine == "a" else "a"]
        try:
            await asyncio.wait_for(other.wait(), timeout=10)
        except TimeoutError:
            timed_out.append(mine)  # the lanes ran one after the other
            raise
        await scratch.record_effect(envelope, session)

    consumer = _consumer(scratch, topic, handler)
    async with scratch.consuming(consumer):

        async def done() -> bool:
            return consumer.handled >= 2

        await wait_until(done, timeout=60, what="both lanes handled")
    assert timed_out == [], "each lane saw the other inside its transaction"
    assert consumer.dead_lettered == 0
    assert await scratch.effect_counts() == (2, 2)


async def test_a_failing_lane_falls_back_and_no_effect_repeats(scratch: Any) -> None:
    """Lane b fails once after lane a committed: the fallback skips a's events (inbox)."""
    topic = await scratch.new_topic()
    events = [scratch.event(i, department="a" if i < 3 else "b") for i in range(6)]
    await _produce(scratch, topic, events)
    failures = {"batch-4": 1}

    async def handler(envelope: EventEnvelope, session: AsyncSession) -> None:
        if failures.get(envelope.subject, 0):
            failures[envelope.subject] -= 1
            raise ValueError("not this time")
        await scratch.record_effect(envelope, session)

    consumer = _consumer(scratch, topic, handler)
    async with scratch.consuming(consumer):

        async def done() -> bool:
            return await scratch.effect_counts() == (6, 6)

        await wait_until(done, timeout=60, what="all six effects")
    assert failures == {"batch-4": 0}, "the failure happened"
    assert consumer.dead_lettered == 0
    assert await scratch.scalar("SELECT count(*) FROM {s}.inbox") == 6
