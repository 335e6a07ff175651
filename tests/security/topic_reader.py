"""Read topics from outside the services: librdkafka (confluent-kafka), not the services' aiokafka.

Every partition of every topic is read from its beginning up to the end offset the broker reported
when the read started, then the read stops: no fixed waiting time. (The embedded broker may report
an end offset short of a multi-record batch's tail; whatever the fetch returns past it is kept.)
"""

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str
    headers: dict[str, str]
    payload: str

    @property
    def text(self) -> str:
        """Everything a reader of the record sees, decoded."""
        return f"{self.key}|{self.headers}|{self.payload}"


def _config(bootstrap: str) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap, "broker.address.family": "v4"}


def _decode(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def broker_topics(bootstrap: str) -> dict[str, int]:
    """Every topic the broker holds (internal `__` topics aside) with its partition count."""
    consumer = Consumer({**_config(bootstrap), "group.id": f"scan-{uuid.uuid4().hex}"})
    try:
        metadata = consumer.list_topics(timeout=30)
        return {
            name: len(t.partitions)
            for name, t in metadata.topics.items()
            if not name.startswith("__") and t.error is None
        }
    finally:
        consumer.close()


def _read_to_end(bootstrap: str, topics: list[str], timeout: float) -> dict[str, list[Record]]:
    consumer = Consumer(
        {
            **_config(bootstrap),
            "group.id": f"scan-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "isolation.level": "read_uncommitted",
        }
    )
    try:
        metadata = consumer.list_topics(timeout=30)
        ends: dict[tuple[str, int], int] = {}
        for topic in topics:
            assert topic in metadata.topics, f"topic {topic} is not on the broker"
            for partition in metadata.topics[topic].partitions:
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=30
                )
                if high > low:
                    ends[(topic, partition)] = high
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in ends])
        records: dict[str, list[Record]] = {t: [] for t in topics}
        position = dict.fromkeys(ends, -1)
        give_up = time.monotonic() + timeout
        while any(position[tp] < end for tp, end in ends.items()):
            if time.monotonic() > give_up:
                short = {
                    f"{t}[{p}]": f"{position[(t, p)]}/{end}"
                    for (t, p), end in ends.items()
                    if position[(t, p)] < end
                }
                raise AssertionError(f"partitions not read to their end offset: {short}")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise AssertionError(f"consume error: {msg.error()}")
            topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
            records[topic].append(
                Record(
                    topic,
                    partition,
                    offset,
                    _decode(msg.key()),
                    {k: _decode(v) for k, v in (msg.headers() or [])},
                    _decode(msg.value()),
                )
            )
            position[(topic, partition)] = max(position[(topic, partition)], offset + 1)
        return records
    finally:
        consumer.close()


async def read_all(
    bootstrap: str, topics: list[str], timeout: float = 120
) -> dict[str, list[Record]]:
    """Every record of every partition of the topics, up to each partition's end offset."""
    return await asyncio.to_thread(_read_to_end, bootstrap, topics, timeout)


def produce(bootstrap: str, topic: str, records: list[tuple[str, dict[str, str], str]]) -> None:
    """Write (key, headers, payload) records to a topic, one batch each (flushed one by one)."""
    producer = Producer(_config(bootstrap))
    for key, headers, payload in records:
        producer.produce(
            topic,
            key=key.encode(),
            value=payload.encode(),
            headers=[(k, v.encode()) for k, v in headers.items()],
        )
        assert producer.flush(30) == 0, "the broker did not take the record"
