"""aiokafka producer built the one way the system publishes: acks=all, keyed, at least once."""

from functools import lru_cache
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner, murmur2
from shouwang.common.events.envelope import EventEnvelope, Headers, to_kafka


def build_producer(bootstrap_servers: str, **client_options: Any) -> AIOKafkaProducer:
    """Build a producer; idempotence stays off (the broker in dev does not support it)."""
    return AIOKafkaProducer(
        **client_options,
        bootstrap_servers=bootstrap_servers,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
        partitioner=keyed_partitioner,
    )


@lru_cache(maxsize=65536)
def _key_hash(key: bytes) -> int:
    return murmur2(key) & 0x7FFFFFFF  # type: ignore[no-any-return]


def keyed_partitioner(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """aiokafka's default partitioner (murmur2, as Java's client) with each key's hash kept.

    NOTE: keys repeat (a township, a county, a household) and murmur2 is pure Python: the relay
    hashed every row's key again, a few per cent of a busy service's CPU.
    """
    if key is None:
        return DefaultPartitioner()(key, all_partitions, available)  # type: ignore[no-any-return]
    return all_partitions[_key_hash(key) % len(all_partitions)]


async def send_envelope(producer: AIOKafkaProducer, envelope: EventEnvelope) -> None:
    """Publish one envelope and wait for the broker's acknowledgement."""
    key, value, headers = to_kafka(envelope)
    await producer.send_and_wait(envelope.topic, value=value, key=key, headers=headers)


async def send_raw(
    producer: AIOKafkaProducer,
    *,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: Headers,
) -> None:
    """Publish an already-encoded record (DLQ, replay)."""
    await producer.send_and_wait(topic, value=value, key=key, headers=headers)
