"""PII never reaches log output: structlog and stdlib (library) records are scrubbed."""

import json
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import structlog
from shouwang.common.idnumber import generate_id_number
from shouwang.common.logging import configure_logging, get_logger
from shouwang.common.pii_scrub import masker_for_key, scrub_text, scrub_value

ID = generate_id_number(random.Random(42), region="230125", birth=date(1980, 1, 1), seq=123)
ID2 = generate_id_number(random.Random(0), region="231226", birth=date(1975, 6, 15), seq=5)
PHONE = "13812345678"
MASKED_ID = "230125********" + ID[-4:]


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    configure_logging(service_name="test-svc", level="DEBUG")
    yield capsys
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_shouwang_handler", False):
            root.removeHandler(handler)


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_structlog_call_masks_keys_and_message(json_logs: pytest.CaptureFixture[str]) -> None:
    get_logger("intake").info(
        f"declaration from {ID}, phone {PHONE}",
        id_number=ID,
        name="欧阳娜娜",
        household_head="张三",
        village_name="车站社区",
        members=[{"name": "李四", "id_number": ID2}],
        note=f"cadre said {ID2}",
    )
    out = json_logs.readouterr().out
    for raw in (ID, ID2, PHONE, "欧阳娜娜", "张三", "李四"):
        assert raw not in out
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["event"] == f"declaration from {MASKED_ID}, phone 138****5678"
    assert line["id_number"] == MASKED_ID
    assert line["name"] == "欧***" and line["household_head"] == "张*"
    assert line["village_name"] == "车站社区"
    assert line["service"] == "test-svc" and line["level"] == "info" and line["logger"] == "intake"
    assert "timestamp" in line


def test_exception_text_is_scrubbed(json_logs: pytest.CaptureFixture[str]) -> None:
    try:
        raise ValueError(f"bad household {ID}")
    except ValueError:
        get_logger().exception("failed")
    (line,) = _lines(json_logs)
    assert ID not in str(line["exception"]) and MASKED_ID in str(line["exception"])


def test_stdlib_library_lines_are_scrubbed(json_logs: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("uvicorn").info("GET /households?id=%s HTTP/1.1", ID)
    logging.getLogger("uvicorn.access").warning("caller %s", PHONE, extra={"phone": PHONE})
    logging.getLogger("aiokafka").error("poison event %s", {"name": "王五", "id": ID})
    out = json_logs.readouterr().out
    for raw in (ID, PHONE):
        assert raw not in out
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["logger"] for x in lines] == ["uvicorn", "uvicorn.access", "aiokafka"]
    assert lines[0]["event"] == f"GET /households?id={MASKED_ID} HTTP/1.1"
    assert lines[1]["phone"] == "138****5678"


def test_level_filtering(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(service_name="quiet", level="WARNING")
    try:
        get_logger().info("hidden")
        logging.getLogger("uvicorn").info("hidden too")
        get_logger().warning("shown")
        assert [x["event"] for x in _lines(capsys)] == ["shown"]
    finally:
        structlog.reset_defaults()


def test_scrub_text_patterns() -> None:
    assert scrub_text(f"a{ID}b") == f"a{MASKED_ID}b"
    assert scrub_text(ID2.lower()).startswith("231226********")
    assert scrub_text(f"+86{PHONE} and 86-{PHONE}") == "138****5678 and 138****5678"
    # longer digit runs (timestamps, bank-like numbers) and short numbers are left alone
    assert scrub_text("1700000000123456789") == "1700000000123456789"
    assert scrub_text("12345678901") == "12345678901"
    assert scrub_text("short") == "short"


@pytest.mark.parametrize(
    ("key", "sensitive"),
    [
        ("name", True),
        ("head_name", True),
        ("cadre_name", True),
        ("member_name", True),
        ("name_enc", True),
        ("id_enc", True),
        ("home_address", True),
        ("contact_phone", True),
        ("service_name", False),
        ("event_name", False),
        ("topic_name", False),
        ("village_name", False),
        ("township_name", False),
        ("county_name", False),
        ("department_name", False),
        ("ip_address", False),
        ("event", False),
        ("logger", False),
    ],
)
def test_sensitive_keys(key: str, sensitive: bool) -> None:
    assert (masker_for_key(key) is not None) is sensitive


def test_scrub_value_handles_models_and_bytes() -> None:
    @dataclass
    class Person:
        name: str
        id_number: str

    assert scrub_value(Person("张三", ID)) == {"name": "张*", "id_number": MASKED_ID}
    assert ID not in scrub_value(ID.encode())
    assert scrub_value({"nested": {"address": "某村 3 组"}}) == {"nested": {"address": "***"}}
