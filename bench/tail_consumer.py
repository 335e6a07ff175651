"""Outside reader (a separate process, librdkafka): counts distinct events of one type on a topic.

    python -m bench.tail_consumer --bootstrap HOST:PORT --topic verification.tasks \
        --type shouwang.warning.task.created.v1 --expect 100000

Prints JSON lines: {"event": "ready"}, then {"event": "progress", "t", "seen"} about every 0.5 s,
and {"event": "done", "t", "seen", "batch_last_seen"} once `expect` distinct subjects were seen
(or on timeout);
`batch_last_seen` maps each payload's `source_ref` (the batch id) to when its last event arrived.
Times are wall-clock (time.time()) so the parent can compare them with its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def emit(**fields: object) -> None:
    """Write one JSON line to stdout."""
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def tail(bootstrap: str, topic: str, type_name: str, expect: int, timeout_s: float) -> int:
    """Read the topic from the beginning until `expect` distinct subjects of `type_name`."""
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-tail-{time.time_ns()}",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 50,
        }
    )
    try:
        parts = sorted(reader.list_topics(topic, timeout=10).topics[topic].partitions)
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        emit(event="ready", partitions=len(parts))
        wanted = type_name.encode()
        seen: set[bytes] = set()
        batch_last: dict[str, float] = {}
        records = 0
        deadline = time.monotonic() + timeout_s
        last_report = 0.0
        while len(seen) < expect and time.monotonic() < deadline:
            for msg in reader.consume(num_messages=5000, timeout=0.2):
                if msg.error():
                    continue
                records += 1
                headers = dict(msg.headers() or [])
                if headers.get("ce_type") == wanted:
                    seen.add(headers.get("ce_subject") or b"")
                    source = json.loads(msg.value() or b"{}").get("source_ref")
                    batch_last[str(source)] = time.time()
            now = time.time()
            if now - last_report >= 0.5:
                emit(event="progress", t=now, seen=len(seen), records=records)
                last_report = now
        emit(
            event="done", t=time.time(), seen=len(seen), records=records, batch_last_seen=batch_last
        )
        return 0 if len(seen) >= expect else 1
    finally:
        reader.close()


def main() -> None:
    """Parse arguments and tail."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default="verification.tasks")
    parser.add_argument("--type", dest="type_name", default="shouwang.warning.task.created.v1")
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    sys.exit(tail(args.bootstrap, args.topic, args.type_name, args.expect, args.timeout))


if __name__ == "__main__":
    main()
