"""Every change reaches `policy.settings` as a typed event keyed by its region."""

import uuid

from aiokafka import AIOKafkaConsumer
from shouwang.common.events.catalog.policy import PolicyChanged
from shouwang.common.events.envelope import EventEnvelope, from_kafka
from shouwang.common.events.topics import POLICY_SETTINGS
from shouwang.common.testing.fixtures import auth, wait_until


async def _find(consumer: AIOKafkaConsumer, key: bytes, seen: list[EventEnvelope]) -> bool:
    batches = await consumer.getmany(timeout_ms=200)
    for records in batches.values():
        seen.extend(from_kafka(r.value, list(r.headers)) for r in records if r.key == key)
    return bool(seen)


async def test_policy_changed_is_published_keyed_by_region(policy_client, stack) -> None:
    resp = await policy_client.put(
        "/api/v1/policy/650102",
        headers=auth("county", "650102", sub="wang"),
        json={
            "effective_from": "2027-01-01",
            "reason": "提高监测线",
            "settings": {"monitoring_line_yuan": 7400},
        },
    )
    assert resp.status_code == 200, resp.text
    consumer = AIOKafkaConsumer(
        POLICY_SETTINGS.name,
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=f"test-policy-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen: list[EventEnvelope] = []

        async def found() -> bool:
            return await _find(consumer, b"650102", seen)

        await wait_until(found, timeout=60, what="policy.changed on policy.settings")
    finally:
        await consumer.stop()
    (envelope,) = seen
    assert envelope.type == "shouwang.policy.changed.v1" and envelope.subject == "650102"
    assert isinstance(envelope.data, PolicyChanged)
    assert envelope.data.model_dump(include={"region_code", "version", "actor", "settings"}) == {
        "region_code": "650102",
        "version": 1,
        "actor": "county:wang",
        "settings": {"monitoring_line_yuan": 7400.0},
    }
    assert envelope.data.reason == "提高监测线"
