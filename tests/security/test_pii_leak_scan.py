"""Issue 10 (6): after an end-to-end run, every record on every topic, read from outside with
librdkafka to each partition's end offset, carries no raw ID number, name or phone of the people
involved (only person_ref / masked), and every export is masked. A record planted on a scratch
topic proves the scan finds what it looks for. (Log lines: tests/test_no_pii_in_logs.py.)"""

import io
import uuid
from typing import Any

from openpyxl import load_workbook
from shouwang.common.config import CommonSettings
from shouwang.common.events.topics import all_topic_partitions
from shouwang.common.identity import person_ref_of
from shouwang.common.testing.fixtures import auth, wait_until
from sqlalchemy import func, select

from .conftest import (
    COUNTY,
    PRINCIPALS,
    TOWNSHIP,
    VILLAGE,
    Person,
    declaration_body,
    make_people,
    push_people,
    register_household,
    task_of,
)
from .topic_reader import Record, broker_topics, produce, read_all


def _raw(people: list[Person]) -> list[str]:
    return [v for p in people for v in (p.id_number, p.name, p.phone)]


def _leaks(text: str, people: list[Person]) -> list[str]:
    """Which kinds of raw PII occur in the text (never the values: the report must not leak)."""
    kinds = ("id_number", "name", "phone")
    return [
        f"{kinds[i % 3]} of person {i // 3}" for i, raw in enumerate(_raw(people)) if raw in text
    ]


async def _e2e(
    warning_client: Any, intake_client: Any, assistance_client: Any, people: list[Person]
) -> str:
    """Push, verify and confirm a risk (assistance opens a household), declare, register; reveal."""
    batch = await push_people(warning_client, people[:2])
    task = await task_of(warning_client, people[0])
    township, village = auth("township", TOWNSHIP), auth("village", VILLAGE)
    tid = task["task_id"]
    for path, headers, body in (
        ("assign", township, {"village_code": VILLAGE}),
        (
            "report",
            village,
            {"outcome": "risk_confirmed", "reason": "大额医疗自付", "visited_on": "2026-11-10"},
        ),
        ("confirm", township, None),
    ):
        resp = await warning_client.post(f"/api/v1/tasks/{tid}/{path}", json=body, headers=headers)
        assert resp.status_code == 200, resp.text
    pii = await warning_client.get(f"/api/v1/tasks/{tid}/pii", headers=village)
    assert pii.status_code == 200 and people[0].id_number in pii.text  # the audited reveal

    async def household_opened() -> bool:
        resp = await assistance_client.get(
            "/api/v1/households", headers=township, params={"status": "identifying", "limit": 500}
        )
        return any(
            h["head_name_masked"] == people[0].name[0] + "*" * (len(people[0].name) - 1)
            for h in resp.json()["items"]
        )

    await wait_until(household_opened, what="assistance registers the confirmed household")
    filed = await intake_client.post(
        "/api/v1/declarations", json=declaration_body(people[2]), headers=_resident()
    )
    assert filed.status_code == 201, filed.text
    await task_of(warning_client, people[2])  # the declaration went round the loop
    await register_household(assistance_client, people[3])
    return batch


async def test_no_raw_pii_on_any_topic_and_every_export_is_masked(
    stack, warning_client, intake_client, assistance_client, audit_client
) -> None:
    people = make_people("pii-leak-scan", [VILLAGE] * 5)
    batch = await _e2e(warning_client, intake_client, assistance_client, people)

    await _outboxes_drained(warning_client, intake_client, assistance_client, audit_client)
    on_broker = broker_topics(stack.kafka_bootstrap)
    assert set(all_topic_partitions()) <= set(on_broker), "a catalogued topic is missing"
    topics = sorted(on_broker)
    records = await read_all(stack.kafka_bootstrap, topics)
    total = sum(len(r) for r in records.values())
    leaks = _scan(records, people)
    everything = "".join(r.text for rows in records.values() for r in rows)
    secret = CommonSettings().hmac_key.get_secret_value()
    ref = person_ref_of(people[0].id_number, master_secret=secret, county_code=COUNTY)
    print(
        f"read {total} records from {len(topics)} topics to their end offsets "
        f"({ {t: len(r) for t, r in records.items() if r} }); {len(leaks)} leaks"
    )
    # the scan really saw this run's events: the person travels as person_ref, masked
    assert ref in everything, "the scan did not see the run's events"
    assert people[0].masked in everything
    assert {
        "warning.batches",
        "verification.tasks",
        "intake.declarations",
        "assistance.households",
        "access.audit",
        "warning.indicators",
    } <= {t for t, r in records.items() if r}
    assert not leaks, leaks

    exports = await _exports(
        warning_client, intake_client, assistance_client, audit_client, batch, people[4]
    )
    export_leaks = [
        f"{name}: {kind}" for name, text in exports.items() for kind in _leaks(text, people)
    ]
    print(f"exports checked: {sorted(exports)}; {len(export_leaks)} leaks")
    assert (
        people[0].masked in exports["audit.csv"] + exports["declarations.xlsx"]
        or people[2].masked in exports["declarations.xlsx"]
    )
    assert people[0].masked in exports["tasks.xlsx"]  # the task list's sheet holds the person
    assert not export_leaks, export_leaks


def _xlsx_text(content: bytes) -> str:
    """Every cell of every sheet, as read back with openpyxl (headers and values)."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        f"{sheet.title}: " + "|".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def _scan(records: dict[str, list[Record]], people: list[Person]) -> list[str]:
    """Where raw PII of the people occurs on the topics (key, headers or payload)."""
    return [
        f"{r.topic}@{r.partition}:{r.offset} {kind}"
        for rows in records.values()
        for r in rows
        for kind in _leaks(r.text, people)
    ]


async def _outboxes_drained(*clients: Any) -> None:
    """Wait until every service has published its outbox (what the run did is on the broker)."""
    for client in clients:
        runtime = client.app.state.runtime
        outbox = runtime.outbox

        async def drained(runtime: Any = runtime, outbox: Any = outbox) -> bool:
            async with runtime.sessionmaker() as session:
                left = await session.scalar(
                    select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
                )
            return left == 0

        await wait_until(drained, what=f"{runtime.settings.service_name}'s outbox published")


async def test_the_scan_finds_raw_pii_planted_on_a_scratch_topic(stack) -> None:
    """Raw PII in a payload, a key and a header of a scratch topic's records: every one found,
    among records that are clean, by the same reader and scan as the real topics."""
    people = make_people(f"planted-{uuid.uuid4().hex}", [VILLAGE] * 2)
    planted, clean = people
    topic = f"scratch.pii-scan-{uuid.uuid4().hex[:8]}"
    produce(
        stack.kafka_bootstrap,
        topic,
        [
            ("k-0", {}, f'{{"id_masked": "{planted.masked}"}}'),
            ("k-1", {}, f'{{"id_number": "{planted.id_number}"}}'),
            (f"{planted.name}", {}, "{}"),
            ("k-3", {"contact": planted.phone}, "{}"),
            ("k-4", {}, f'{{"name_masked": "{clean.name[0]}**"}}'),
        ],
    )
    records = await read_all(stack.kafka_bootstrap, [topic])
    # the broker spreads the keys over its partitions: every one of them was read to its end
    assert sorted(r.key for r in records[topic]) == sorted(
        ["k-0", "k-1", planted.name, "k-3", "k-4"]
    ), records
    leaks = _scan(records, people)
    assert sorted(leak.split(" ", 1)[1] for leak in leaks) == [
        "id_number of person 0",
        "name of person 0",
        "phone of person 0",
    ], leaks
    assert all(leak.startswith(f"{topic}@") for leak in leaks), leaks


async def _exports(
    warning_client: Any,
    intake_client: Any,
    assistance_client: Any,
    audit_client: Any,
    batch: str,
    reject: Person,
) -> dict[str, str]:
    """Every export that could echo a person, as text (`reject` is pushed with a bad ID number)."""
    county, auditor = PRINCIPALS["county_own"], PRINCIPALS["auditor"]
    wrong = reject.id_number[:17] + ("1" if reject.id_number[17] != "1" else "2")
    bad = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": wrong,
                "name": reject.name,
                "village_code": reject.village,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 23000},
            }
        ],
    }
    rejected = await warning_client.post(
        "/api/v1/warning-batches", json=bad, headers=PRINCIPALS["department_own"]
    )
    assert rejected.status_code == 202 and rejected.json()["rejected"] == 1, rejected.text
    fetches = {
        "audit.csv": (audit_client, "/api/v1/audit/export?format=csv", auditor),
        "audit.xlsx": (audit_client, "/api/v1/audit/export?format=xlsx", auditor),
        "declarations.xlsx": (intake_client, "/api/v1/declarations?format=xlsx", county),
        "tasks.xlsx": (warning_client, "/api/v1/tasks?format=xlsx", county),
        "plans.xlsx": (assistance_client, "/api/v1/plans.xlsx", county),
        "compliance.xlsx": (
            warning_client,
            "/api/v1/compliance?period=2026-11&format=xlsx",
            county,
        ),
        "rejections.xlsx": (
            warning_client,
            f"/api/v1/warning-batches/{rejected.json()['batch_id']}/rejections.xlsx",
            county,
        ),
        "batch.json": (warning_client, f"/api/v1/warning-batches/{batch}", county),
    }
    texts = {}
    for name, (client, path, headers) in fetches.items():
        resp = await client.get(path, headers=headers)
        assert resp.status_code == 200, (name, resp.text[:200])
        texts[name] = _xlsx_text(resp.content) if name.endswith(".xlsx") else resp.text
    assert wrong not in str(texts), "the rejected ID number is echoed in an export"
    return texts


def _resident() -> dict[str, str]:
    """A resident of their own (the intake rate limit is per filer)."""
    return auth("resident", sub=f"resident-{uuid.uuid4().hex[:8]}")
