"""Embedded dev infrastructure against real processes: Postgres 18 and the Tansu broker."""

import argparse
import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from shouwang.common.devinfra import EmbeddedBroker, EmbeddedPostgres, StackInfo, stack
from shouwang.common.devinfra import cli as dev_cli
from shouwang.common.events.topics import all_topic_partitions
from shouwang.common.kafka.admin import ensure_topics


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("devinfra") / ".data"


@pytest.fixture(scope="module")
def running_stack(data_dir: Path) -> Iterator[StackInfo]:
    info = stack.up(data_dir, pg_port=_free_port(), kafka_port=_free_port())
    yield info
    stack.down(data_dir)


def test_up_reports_embedded_urls_and_timings(running_stack: StackInfo) -> None:
    assert running_stack.embedded
    assert running_stack.database_url.startswith("postgresql://app@127.0.0.1:")
    assert running_stack.kafka_bootstrap.startswith("127.0.0.1:")
    assert set(running_stack.timings) == {"postgres_start", "broker_start", "topics"}


async def test_postgres_select_1(running_stack: StackInfo) -> None:
    conn = await asyncpg.connect(running_stack.database_url)
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SHOW max_connections") == "200"
    finally:
        await conn.close()


async def test_ensure_database_is_idempotent(running_stack: StackInfo, data_dir: Path) -> None:
    pg = EmbeddedPostgres(data_dir / "pg", _port_of(running_stack.database_url), Path("/dev/null"))
    url = pg.ensure_database("shouwang_test")
    assert url == pg.ensure_database("shouwang_test")
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT current_database()") == "shouwang_test"
    finally:
        await conn.close()


async def test_topics_have_catalogue_partition_counts(running_stack: StackInfo) -> None:
    expected = all_topic_partitions()
    await ensure_topics(running_stack.kafka_bootstrap, expected)  # second call: all exist
    admin = AIOKafkaAdminClient(bootstrap_servers=running_stack.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(expected))
    finally:
        await admin.close()
    actual = {t["topic"]: len(t["partitions"]) for t in described}
    assert actual == expected


async def test_produce_consume_round_trip(running_stack: StackInfo) -> None:
    bootstrap = running_stack.kafka_bootstrap
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            "access.audit", b"hello", key=b"k1", headers=[("h", b"v")]
        )
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partition = TopicPartition("access.audit", meta.partition)
        consumer.assign([partition])
        consumer.seek(partition, meta.offset)
        record = await asyncio.wait_for(consumer.getone(), timeout=10)
    finally:
        await consumer.stop()
    assert (record.key, record.value, record.headers) == (b"k1", b"hello", (("h", b"v"),))


def test_start_twice_is_idempotent(running_stack: StackInfo, data_dir: Path) -> None:
    pg = EmbeddedPostgres(
        data_dir / "pg", _port_of(running_stack.database_url), data_dir / "logs" / "postgres.log"
    )
    broker = EmbeddedBroker(
        _port_of(running_stack.kafka_bootstrap), data_dir / "logs" / "tansu.log"
    )
    pid_before = broker.pid_path.read_text()
    assert pg.start() == running_stack.database_url
    assert broker.start() == running_stack.kafka_bootstrap
    assert broker.pid_path.read_text() == pid_before
    again = stack.up(
        data_dir, _port_of(running_stack.database_url), _port_of(running_stack.kafka_bootstrap)
    )
    assert (again.database_url, again.kafka_bootstrap) == (
        running_stack.database_url,
        running_stack.kafka_bootstrap,
    )


def test_cli_status(
    running_stack: StackInfo, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="shouwang")
    dev_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["dev", "status", "--data-dir", str(data_dir)])
    assert args.handler(args) == 0
    assert running_stack.kafka_bootstrap in capsys.readouterr().out


def test_external_mode_starts_nothing(
    running_stack: StackInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "DATABASE_URL", running_stack.database_url.replace("postgresql://", "postgresql+asyncpg://")
    )
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", running_stack.kafka_bootstrap)
    info = stack.up(tmp_path / ".data", pg_port=_free_port(), kafka_port=_free_port())
    assert not info.embedded
    assert info.database_url == running_stack.database_url
    assert not (tmp_path / ".data").exists()


def test_stop_leaves_nothing_running(tmp_path: Path) -> None:
    pg_port, kafka_port = _free_port(), _free_port()
    pg = EmbeddedPostgres(tmp_path / "pg", pg_port, tmp_path / "pg.log")
    broker = EmbeddedBroker(kafka_port, tmp_path / "tansu.log")
    pg.start()
    broker.start()
    assert pg.is_running() and broker.is_running()
    pg.stop()
    broker.stop()
    assert not pg.is_running() and not broker.is_running()
    assert not _port_open(pg_port) and not _port_open(kafka_port)
    assert not broker.pid_path.exists()
    pg.stop()  # stopping a stopped server is a no-op
    broker.stop()


def _port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1].split("/", 1)[0])


def test_broker_refuses_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        broker = EmbeddedBroker(listener.getsockname()[1], tmp_path / "tansu.log")
        with pytest.raises(RuntimeError, match="already taken"):
            broker.start()
    assert not broker.is_running()
