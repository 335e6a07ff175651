"""Idempotent inbox: a redelivered event changes nothing; an outage never dead-letters an event."""

import asyncio
import time
import uuid

from confluent_kafka import Consumer, TopicPartition
from shouwang.common.events.envelope import to_kafka
from shouwang.common.kafka.producer import send_raw
from shouwang.common.testing.fixtures import wait_until


async def _produce(scratch, topic: str, envelope, times: int = 1) -> None:
    key, value, headers = to_kafka(envelope)
    for _ in range(times):
        await send_raw(scratch.producer, topic=topic, key=key, value=value, headers=headers)


def _reset_group(bootstrap: str, group: str, topic: str, timeout: float = 60) -> int:
    """Rewind a consumer group to offset 0 from outside (as an operator would); read it back.

    The operator's client joins the group (the broker only takes commits from members),
    commits offset 0 and leaves.
    """
    admin = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                      "enable.auto.commit": False, "session.timeout.ms": 6000})  # fmt: skip
    try:
        admin.subscribe([topic])
        deadline = time.monotonic() + timeout
        while not admin.assignment():
            if time.monotonic() > deadline:
                raise AssertionError("operator client got no assignment")
            admin.poll(0.2)
        admin.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
        (committed,) = admin.committed([TopicPartition(topic, 0)], timeout=10)
        return int(committed.offset)
    finally:
        admin.close()


async def _handled(consumer, count: int) -> None:
    async def reached() -> bool:
        return consumer.handled >= count

    await wait_until(reached, timeout=60, what=f"{consumer.name} handled {count}")


async def test_same_event_twice_and_after_group_rewind_changes_nothing(scratch):
    topic = await scratch.new_topic()
    twice, other = scratch.event(1), scratch.event(2)
    await _produce(scratch, topic, twice, times=2)  # a producer retry / relay repeat
    await _produce(scratch, topic, other)
    group = f"test-inbox-{uuid.uuid4().hex[:8]}"

    first = scratch.consumer([topic], name=group)
    async with scratch.consuming(first):
        await _handled(first, 3)
    assert first.handled == 3 and first.dead_lettered == 0
    assert await scratch.effect_counts() == (2, 2), "the repeated record took effect once"

    # an operator rewinds the group: the same consumer group sees every record again
    assert await asyncio.to_thread(_reset_group, scratch.bootstrap, group, topic) == 0
    again = scratch.consumer([topic], name=group)
    async with scratch.consuming(again):
        await _handled(again, 3)
    assert again.handled == 3, "all three records were redelivered"
    assert await scratch.effect_counts() == (2, 2), "redelivery changed nothing"
    inbox = await scratch.scalar("SELECT count(*) FROM {s}.inbox")
    assert inbox == 2


async def test_redelivery_to_another_consumer_group_is_its_own_effect(scratch):
    """The inbox is keyed by consumer: a second service (group) still gets every event once."""
    topic = await scratch.new_topic()
    event = scratch.event(7)
    await _produce(scratch, topic, event, times=2)
    for name in ("test-svc-a-" + uuid.uuid4().hex[:6], "test-svc-b-" + uuid.uuid4().hex[:6]):
        consumer = scratch.consumer([topic], name=name)
        async with scratch.consuming(consumer):
            await _handled(consumer, 2)
    assert await scratch.effect_counts() == (2, 1), "once per consumer group, not per delivery"


async def test_stopping_during_a_database_outage_keeps_the_event_for_redelivery(scratch):
    """A transient failure while shutting down must not dead-letter (and skip) a good event."""
    topic = await scratch.new_topic()
    event = scratch.event(3)
    await _produce(scratch, topic, event)
    group = f"test-outage-{uuid.uuid4().hex[:8]}"
    calls = 0

    async def outage(envelope, session) -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("database unreachable")  # transient: retried, never poison

    down = scratch.consumer([topic], name=group, handler=outage)
    async with scratch.consuming(down):

        async def retried() -> bool:
            return calls >= 2

        await wait_until(retried, timeout=60, what="transient retries")
    assert down.dead_lettered == 0, "a good event was dead-lettered because of an outage"
    assert await scratch.effect_counts() == (0, 0)

    up = scratch.consumer([topic], name=group)
    async with scratch.consuming(up):
        await _handled(up, 1)
    assert await scratch.effect_counts() == (1, 1), "the event was redelivered after restart"
    assert up.dead_lettered == 0
