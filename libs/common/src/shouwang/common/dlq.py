"""DLQ replay: re-drive dead-lettered records from `<topic>.dlq` back to `<topic>`.

`shouwang dlq replay <topic>` (or `replay_dlq`) reads `<topic>.dlq` as the consumer group
`shouwang-dlq-replay`, republishes each record to `<topic>` with its key, value and original
headers (the `dlq_*` diagnosis headers stripped), and commits the group's offset once the broker
acknowledged the republished records. A second run therefore re-drives only what was
dead-lettered since; a record that is still poison simply lands on the DLQ again.
"""

import argparse
import asyncio
import sys
import time
import uuid

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from shouwang.common.events.envelope import Headers
from shouwang.common.kafka.producer import build_producer

log = structlog.get_logger(__name__)

DLQ_HEADER_PREFIX = "dlq_"
DEFAULT_GROUP = "shouwang-dlq-replay"


def dlq_topic(topic: str) -> str:
    """Return the dead-letter topic of `topic`."""
    return f"{topic}.dlq"


def strip_dlq_headers(headers: Headers) -> Headers:
    """Return the original headers of a dead-lettered record (without the dlq_* ones)."""
    return [(k, v) for k, v in headers if not k.startswith(DLQ_HEADER_PREFIX)]


async def replay_dlq(
    bootstrap: str, topic: str, *, group: str = DEFAULT_GROUP, timeout_s: float = 60.0
) -> int:
    """Re-drive the records of `<topic>.dlq` not yet replayed by `group`; return how many."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id=f"{group}-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
    )
    producer = build_producer(bootstrap)
    await producer.start()
    try:
        consumer.subscribe([dlq_topic(topic)])
        await consumer.start()
        try:
            return await _replay(consumer, producer, topic, time.monotonic() + timeout_s)
        finally:
            await consumer.stop()
    finally:
        await producer.stop()


async def _replay(
    consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, topic: str, deadline: float
) -> int:
    """Copy the DLQ up to the end offsets it had when the replay began, never past them.

    The bound matters: a record that is still poison is dead-lettered again while the replay
    runs, and must wait for the next replay instead of circling forever.
    """
    ends = await _end_offsets(consumer, dlq_topic(topic))
    replayed = 0
    while not consumer.assignment() or not await _reached(consumer, ends):
        if time.monotonic() > deadline:
            raise TimeoutError(f"DLQ replay of {topic} did not finish in time")
        batches = await consumer.getmany(timeout_ms=500)
        for tp, records in batches.items():
            due = [r for r in records if r.offset < ends.get(tp, 0)]
            if due:
                replayed += await _republish(producer, topic, due)
                await consumer.commit({tp: due[-1].offset + 1})
    log.info("dlq.replayed", topic=topic, records=replayed)
    return replayed


async def _end_offsets(consumer: AIOKafkaConsumer, dlq: str) -> dict[TopicPartition, int]:
    """Return the current end offset of every partition of the DLQ topic."""
    partitions = consumer.partitions_for_topic(dlq)
    if not partitions:
        raise LookupError(f"topic {dlq} does not exist")
    return dict(await consumer.end_offsets([TopicPartition(dlq, p) for p in partitions]))


async def _reached(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """True when the position of every assigned partition is at or past its end offset."""
    for tp in consumer.assignment():
        if await consumer.position(tp) < ends.get(tp, 0):
            return False
    return True


async def _republish(producer: AIOKafkaProducer, topic: str, records: list[ConsumerRecord]) -> int:
    """Send records back to `topic` and wait for every acknowledgement."""
    futures = [
        await producer.send(
            topic,
            key=record.key,
            value=record.value,
            headers=strip_dlq_headers(list(record.headers or ())),
        )
        for record in records
    ]
    await asyncio.gather(*futures)
    return len(futures)


def _run_replay(args: argparse.Namespace) -> int:
    """CLI handler: replay and print the count."""
    from shouwang.common.config import CommonSettings

    bootstrap = args.bootstrap or CommonSettings().kafka_bootstrap_servers
    try:
        count = asyncio.run(replay_dlq(bootstrap, args.topic, group=args.group))
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"replayed {count} record(s) from {dlq_topic(args.topic)} to {args.topic}")
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `shouwang dlq replay <topic>`."""
    parser = subparsers.add_parser("dlq", help="dead-letter topics")
    actions = parser.add_subparsers(dest="dlq_command", required=True)
    replay = actions.add_parser("replay", help="re-drive <topic>.dlq back to <topic>")
    replay.add_argument("topic", help="the original topic, e.g. verification.tasks")
    replay.add_argument("--bootstrap", default=None, help="default: KAFKA_BOOTSTRAP_SERVERS")
    replay.add_argument("--group", default=DEFAULT_GROUP, help="consumer group tracking replays")
    replay.set_defaults(handler=_run_replay)
