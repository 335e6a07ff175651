"""Broker administration over the plain Kafka protocol: wait for a broker, create topics."""

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, for_code
from shouwang.common.retry import Backoff, retry

_TOPIC_ALREADY_EXISTS = 36


async def wait_for_broker(bootstrap: str, timeout_s: float = 30.0) -> None:
    """Wait until the broker at `bootstrap` answers a metadata request, else raise TimeoutError."""

    async def answers() -> None:
        client = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await client.start()
            await client.list_topics()
        finally:
            await client.close()

    try:
        await retry(
            answers,
            backoff=Backoff(first=0.1, cap=1.0),
            event="kafka.broker_wait",
            retry_on=lambda exc: isinstance(exc, KafkaError | OSError),
            give_up_after=timeout_s,
        )
    except (KafkaError, OSError) as exc:
        message = f"Kafka broker at {bootstrap} not ready after {timeout_s}s: {exc}"
        raise TimeoutError(message) from exc


async def ensure_topics(bootstrap: str, topics: dict[str, int]) -> None:
    """Create the missing topics with the given partition counts (replication factor 1)."""
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await client.start()
    try:
        existing = set(await client.list_topics())
        missing = [
            NewTopic(name, num_partitions=parts, replication_factor=1)
            for name, parts in sorted(topics.items())
            if name not in existing
        ]
        if not missing:
            return
        response = await client.create_topics(missing)
        for entry in response.topic_errors:
            name, code = entry[0], entry[1]
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise for_code(code)(f"could not create topic {name}")
    finally:
        await client.close()
