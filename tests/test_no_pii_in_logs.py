"""No raw ID number or name in any log line: a real warning push end to end, every byte the process
writes to stdout/stderr captured (structlog JSON lines and stdlib records both go to stdout) and
grepped, plus deliberate attempts to log PII through structlog and stdlib logging."""

import json
import logging
import random

import pytest
import structlog
from shouwang.common.idnumber import generate_id_number
from shouwang.common.masking import mask_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until

# (village, name): rare names, so a hit can only come from this test's data
PEOPLE = [
    ("231226100201", "欧阳明轩"),
    ("231226100202", "司马青岚"),
    ("231226101200", "上官若溪"),
]


async def test_a_warning_push_leaves_no_raw_id_number_or_name_in_the_logs(
    warning_client, capfd: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random("no-pii-in-logs")
    ids = [generate_id_number(rng) for _ in PEOPLE]
    capfd.readouterr()  # start from a clean capture

    _deliberately_log_pii(ids[0], PEOPLE[0][1])
    await _push_and_wait_for_tasks(warning_client, ids)

    captured = capfd.readouterr()
    output = captured.out + captured.err
    lines = [line for line in output.splitlines() if line.strip()]
    events = {_event(line) for line in lines}
    # the capture really saw the probes and the service (else this test could pass vacuously)
    assert {"pii.probe.structlog", "pii.probe.exception"} <= events, events
    assert any("pii.probe.stdlib" in line for line in lines)
    assert mask_id_number(ids[0]) in output, "the probe's masked ID number is logged instead"
    for raw in [*ids, *(name for _, name in PEOPLE)]:
        leaks = [line for line in lines if raw in line]
        # name the offending events only: the assertion message must not repeat the PII
        assert not leaks, (
            f"raw PII in {len(leaks)} log line(s), events {[_event(x) for x in leaks]}"
        )
    print(f"scanned {len(lines)} log lines, {len(events)} distinct events, 0 raw ID numbers/names")


def _deliberately_log_pii(id_number: str, name: str) -> None:
    """What a careless developer might write; the scrubber must mask all of it."""
    log = structlog.get_logger("pii-probe")
    log.warning(
        "pii.probe.structlog",
        id_number=id_number,
        name=name,
        note=f"resident {id_number} called",
        members=[{"name": name, "id_number": id_number}],
    )
    logging.getLogger("shouwang.pii.probe").warning(
        "pii.probe.stdlib %s reported", id_number, extra={"household_head": name}
    )
    try:
        raise ValueError(f"bad row for {id_number}")
    except ValueError:
        log.exception("pii.probe.exception", head_name=name)


async def _push_and_wait_for_tasks(client, ids: list[str]) -> None:
    dept = auth("department", "medical_insurance", county="231226")
    body = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": id_number,
                "name": name,
                "village_code": village,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 23000},
            }
            for id_number, (village, name) in zip(ids, PEOPLE, strict=True)
        ],
    }
    resp = await client.post("/api/v1/warning-batches", json=body, headers=dept)
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == len(PEOPLE)
    for id_number, (village, _) in zip(ids, PEOPLE, strict=True):
        township = auth("township", village[:9])

        masked = mask_id_number(id_number)

        async def routed(township: dict[str, str] = township, masked: str = masked) -> bool:
            items = await list_all(client, "/api/v1/tasks", headers=township)
            return any(item["id_masked"] == masked for item in items)

        await wait_until(routed, what="task routed to the township")


def _event(line: str) -> str:
    try:
        return str(json.loads(line).get("event", ""))
    except (ValueError, AttributeError):
        return ""
