"""Poison events go to `<topic>.dlq` with the error and their original headers; the consumer keeps
going; `shouwang dlq replay` re-drives them."""

import asyncio
import json
import sys
import uuid

from shouwang.common.dlq import replay_dlq
from shouwang.common.events.envelope import to_kafka
from shouwang.common.kafka.producer import send_raw
from shouwang.common.testing.fixtures import wait_until

TRACE = ("x-trace-id", b"trace-42")  # a header the producer added; it must survive the DLQ


def _with(headers, **changes: str):
    """The headers with some ce_* values replaced, plus the trace header."""
    return [(k, changes[k].encode() if k in changes else v) for k, v in headers] + [TRACE]


def _cases(scratch):
    """(label, key, value, headers, expected dlq_error fragment or None for a good event)."""
    good = [scratch.event(i) for i in range(4)]
    boom = scratch.event(99, department="boom")  # valid, but the handler has a bug for it
    cases = []
    for label, env in (("good0", good[0]),):
        key, value, headers = to_kafka(env)
        cases.append((label, key, value, _with(headers), None, env.id))
    key, value, headers = to_kafka(scratch.event(10))
    cases.append(("malformed_json", key, b'{"batch_id": "b10", oops', _with(headers),
                  "invalid shouwang.warning.batch.filed.v1 payload", None))  # fmt: skip
    cases.append(_good("good1", good[1]))
    key, value, headers = to_kafka(scratch.event(11))
    unknown = _with(headers, ce_type="shouwang.warning.batch.exploded.v9")
    cases.append(("unknown_type", key, value, unknown, "unknown event type", None))
    cases.append(_good("good2", good[2]))
    key, value, headers = to_kafka(scratch.event(12))
    bad = json.dumps({"batch_id": "b12", "accepted": "many"}).encode()
    cases.append(("invalid_payload", key, bad, _with(headers),
                  "invalid shouwang.warning.batch.filed.v1 payload", None))  # fmt: skip
    cases.append(_good("good3", good[3]))
    key, value, headers = to_kafka(boom)
    cases.append(("handler_bug", key, value, _with(headers), "RuntimeError", boom.id))
    return cases


def _good(label, env):
    key, value, headers = to_kafka(env)
    return (label, key, value, _with(headers), None, env.id)


async def test_poison_goes_to_dlq_consumer_keeps_going_and_replay_redrives(scratch):
    topic = await scratch.new_topic()
    cases = _cases(scratch)
    for _, key, value, headers, _, _ in cases:
        await send_raw(scratch.producer, topic=topic, key=key, value=value, headers=headers)
    poison = [c for c in cases if c[4] is not None]
    good_ids = {c[5] for c in cases if c[4] is None}
    boom_id = cases[-1][5]
    broken = True

    async def handler(envelope, session) -> None:
        if broken and envelope.data.department == "boom":
            raise RuntimeError("handler bug: cannot file this batch")
        await scratch.record_effect(envelope, session)

    consumer = scratch.consumer([topic], handler=handler)
    async with scratch.consuming(consumer):

        async def settled() -> bool:
            return consumer.dead_lettered >= 4 and (await scratch.effect_counts())[0] >= 4

        await wait_until(settled, timeout=60, what="poison dead-lettered, good events handled")
        assert consumer.dead_lettered == 4
        assert await _effect_ids(scratch) == good_ids, "every good event after a poison handled"

        dead = await scratch.read(f"{topic}.dlq", fence=False)
        assert len(dead) == 4
        originals = [i for i, c in enumerate(cases) if c[4] is not None]
        for record, offset, (label, key, value, headers, error, _) in zip(
            dead, originals, poison, strict=True
        ):
            assert record.key == key and record.value == value, label
            assert record.headers[: len(headers)] == headers, f"{label}: original headers kept"
            assert error in (record.header("dlq_error") or ""), label
            assert record.header("dlq_topic") == topic
            assert record.header("dlq_offset") == str(offset)
            assert record.header("dlq_consumer") == consumer.name

        broken = False  # the handler bug is fixed and deployed; now re-drive the DLQ
        group = f"test-replay-{uuid.uuid4().hex[:6]}"
        assert await replay_dlq(scratch.bootstrap, topic, group=group) == 4

        async def redriven() -> bool:
            return consumer.dead_lettered >= 7 and boom_id in await _effect_ids(scratch)

        await wait_until(redriven, timeout=60, what="replayed records handled")
        assert consumer.dead_lettered == 7, "still-poison records dead-lettered again, once"
        assert await scratch.effect_counts() == (5, 5)

        again = (await scratch.read(topic))[len(cases) :]
        assert [(r.key, r.value, r.headers) for r in again] == [
            (key, value, headers) for _, key, value, headers, _, _ in poison
        ], "replayed with original key, value and headers, dlq_* stripped"
        # the replay group remembers its place: only the three new dead letters go again
        assert await replay_dlq(scratch.bootstrap, topic, group=group) == 3


async def _effect_ids(scratch) -> set[str]:
    async with scratch.engine.connect() as conn:
        rows = await conn.execute(scratch.effects.select())
    return {row.event_id for row in rows}


async def test_cli_replay_strips_dlq_headers_and_replays_once(scratch):
    topic = await scratch.new_topic()
    key, value, headers = to_kafka(scratch.event(5))
    dead_headers = headers + [TRACE, ("dlq_error", b"PoisonEvent('x')"),
                              ("dlq_topic", topic.encode()), ("dlq_offset", b"0")]  # fmt: skip
    await send_raw(scratch.producer, topic=f"{topic}.dlq", key=key, value=value,
                   headers=dead_headers)  # fmt: skip

    assert await _cli_replay(scratch, topic) == f"replayed 1 record(s) from {topic}.dlq to {topic}"
    (record,) = await scratch.read(topic)
    assert (record.key, record.value) == (key, value)
    assert record.headers == headers + [TRACE]
    assert await _cli_replay(scratch, topic) == f"replayed 0 record(s) from {topic}.dlq to {topic}"


async def _cli_replay(scratch, topic: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shouwang.common.cli", "dlq", "replay", topic,
        "--bootstrap", scratch.bootstrap,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode == 0
    return out.decode().strip().splitlines()[-1]
