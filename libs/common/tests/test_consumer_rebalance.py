"""Two instances of one consumer group: one leaves mid-way, the other takes over its partitions.

The leaving instance committed its effects to Postgres but none of its offsets to Kafka (the
worst moment a replica can go), so the survivor is handed every one of those events again: the
inbox must make each event's effect happen exactly once, and no event may be lost.
"""

import uuid

from shouwang.common.events.envelope import to_kafka
from shouwang.common.testing.fixtures import wait_until

N = 400
PARTITIONS = 6


async def _produce(scratch, topic: str, numbers: range) -> set[str]:
    """One record per produce request, so the broker's end offsets are exact."""
    ids = set()
    for i in numbers:
        envelope = scratch.event(i)
        key, value, headers = to_kafka(envelope)
        await (await scratch.producer.send(topic, value=value, key=key, headers=headers))
        ids.add(envelope.id)
    return ids


def _never_commit(consumer) -> list[object]:
    """Make an instance's offset commits vanish; return the list of attempts."""
    attempts: list[object] = []

    async def commit(offsets=None) -> None:
        attempts.append(offsets)

    consumer._consumer.commit = commit
    return attempts


async def test_an_instance_leaving_mid_way_loses_and_repeats_no_effect(scratch):
    topic = await scratch.new_topic(partitions=PARTITIONS)
    group = f"test-rebalance-{uuid.uuid4().hex[:8]}"
    leaving, staying = scratch.consumer([topic], name=group), scratch.consumer([topic], name=group)
    attempts = _never_commit(leaving)
    async with scratch.consuming(staying):
        async with scratch.consuming(leaving):
            await wait_until(lambda: _split(leaving, staying), timeout=60, what="both assigned")
            await _produce(scratch, topic, range(N // 2))
            await wait_until(lambda: _handled_some(leaving, staying), timeout=60)
        # the leaving instance has left the group: the other is rebalanced onto every partition
        await _produce(scratch, topic, range(N // 2, N))
        await wait_until(lambda: _caught_up(scratch, staying), timeout=120, what="catch-up")
    print(f"rebalance: leaving handled {leaving.handled}, staying {staying.handled} of {N}")
    assert attempts, "the leaving instance handled events and tried to commit"
    assert staying.handled >= N, "the survivor was handed the leaver's events again"
    assert await scratch.effect_counts() == (N, N), "every effect once: none lost, none repeated"


async def _split(*consumers) -> bool:
    assigned = [c.assignment() for c in consumers]
    return all(assigned) and sum(len(a) for a in assigned) == PARTITIONS


async def _handled_some(leaving, staying) -> bool:
    return leaving.handled > 0 and staying.handled > 0


async def _caught_up(scratch, consumer) -> bool:
    """The survivor owns every partition, has committed to its end, and all effects exist."""
    if len(consumer.assignment()) != PARTITIONS or any((await consumer.lag()).values()):
        return False
    return (await scratch.effect_counts())[1] == N
