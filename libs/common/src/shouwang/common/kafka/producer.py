"""aiokafka producer built the one way the system publishes: acks=all, keyed, at least once."""

from typing import Any

from aiokafka import AIOKafkaProducer
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
    )


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
