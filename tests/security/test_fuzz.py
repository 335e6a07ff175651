"""Issue 10 (4): schemathesis over every service's OpenAPI with valid tokens of each role: no 5xx,
every 4xx in the error model; plus oversized bodies, bad encodings and wrong content types.

The web workbench serves HTML pages only (no OpenAPI, no JSON API), so it has nothing to fuzz here.
"""

from typing import Any

import httpx
from schemathesis.generation import GenerationMode

from .conftest import COUNTY, PRINCIPALS, TOWNSHIP, World
from .fuzzing import FuzzReport, generate, operations, request_kwargs, response_problem

ROLES = [
    "department_own",
    "county_own",
    "township_own",
    "village_own",
    "resident_own",
    "auditor",
    "province",
]
HEADERS = {**PRINCIPALS}
PER_MODE = 15  # cases per operation and generation mode (positive, negative), plus 6 on real ids
REAL_IDS = 10


def _real_path_parameters(op: Any, world: World) -> dict[str, str] | None:
    known = {
        "task_id": world.ids["task"],
        "batch_id": world.ids["batch"],
        "receipt": world.ids["receipt"],
        "household_id": world.ids["household"],
        "campaign_id": world.ids["campaign"],
        "member_id": world.ids["member"],
        "township_code": TOWNSHIP,
    }
    names = [p.name for p in op.path_parameters]
    if not names or any(n not in known for n in names):
        return None
    return {n: known[n] for n in names}


async def _fuzz_app(client: httpx.AsyncClient, world: World, report: FuzzReport) -> int:
    from shouwang.common.testing.fixtures import auth

    HEADERS.setdefault("province", auth("province", COUNTY[:2]))
    ops = operations(client.app)  # type: ignore[attr-defined]
    for op in ops:
        cases = generate(op, GenerationMode.POSITIVE, PER_MODE)
        cases += generate(op, GenerationMode.NEGATIVE, PER_MODE)
        fixed = _real_path_parameters(op, world)
        if fixed:
            cases += generate(op, GenerationMode.POSITIVE, REAL_IDS, path_parameters=fixed)
        for i, case in enumerate(cases):
            role = ROLES[i % len(ROLES)]
            kwargs = request_kwargs(case, HEADERS[role])
            try:
                resp = await client.request(**kwargs)
            except (UnicodeEncodeError, httpx.LocalProtocolError, httpx.InvalidURL):
                continue  # not sendable over HTTP at all: the client refuses before the server
            report.record(f"{op.method.upper()} {op.path} as {role} {kwargs}"[:400], resp)
    return len(ops)


async def test_schemathesis_finds_no_server_errors_and_every_4xx_has_the_error_model(
    warning_client, intake_client, assistance_client, audit_client, world
) -> None:
    report = FuzzReport()
    counts = {}
    for name, client in (
        ("warning", warning_client),
        ("intake", intake_client),
        ("assistance", assistance_client),
        ("audit", audit_client),
    ):
        counts[name] = await _fuzz_app(client, world, report)
    print(
        f"fuzzed {report.requests} requests over {sum(counts.values())} operations {counts}; "
        f"statuses {dict(sorted(report.statuses.items()))}; "
        f"5xx: {sum(v for k, v in report.statuses.items() if k >= 500)}"
    )
    assert all(counts.values()), counts
    assert report.requests > 1000, "the fuzzer barely ran"
    assert sum(v for k, v in report.statuses.items() if k < 300) > 50, "nothing got past auth"
    assert not report.failures, "\n".join(report.failures[:20])


RAW_BODY_ENDPOINTS = [  # (client fixture, path, principal, must refuse: JSON APIs must answer 4xx;
    # the file imports may instead answer 200 listing every row they could not read)
    ("warning_client", "/api/v1/warning-batches", "department_own", True),
    ("intake_client", "/api/v1/declarations", "resident_own", True),
    ("assistance_client", "/api/v1/households", "county_own", True),
    ("assistance_client", "/api/v1/households/import", "county_own", False),
    ("warning_client", "/api/v1/registry/import", "county_own", False),
    ("warning_client", "/api/v1/warning-batches/upload", "department_own", True),
]
BAD_BODIES = [  # (label, content-type, bytes)
    ("gbk json", "application/json", '{"name": "张三", "channel": "热线"}'.encode("gbk")),
    ("latin-1 json", "application/json", b'{"name": "caf\xe9"}'),
    ("lone surrogate", "application/json", b'{"name": "\\ud800"}'),
    ("bom json", "application/json", b'\xef\xbb\xbf{"items": []}'),
    ("truncated json", "application/json", b'{"items": [{"id_number": "1'),
    ("json null", "application/json", b"null"),
    ("json array", "application/json", b"[1, 2, 3]"),
    ("deep nesting", "application/json", b"[" * 5000 + b"]" * 5000),
    ("huge number", "application/json", b'{"household_size": 1e999999}'),
    ("xml", "application/xml", b"<batch><items/></batch>"),
    ("text", "text/plain", b"hello"),
    ("form", "application/x-www-form-urlencoded", b"a=1&b=%FF"),
    ("multipart no boundary", "multipart/form-data", b"--x\r\n\r\n"),
    ("multipart garbage", "multipart/form-data; boundary=zz", b"\xff\xfe--zz\r\nbroken"),
    ("binary csv", "text/csv", b"\x00\x01\x02\xff\xfe\xfd" * 100),
    ("xls magic", "application/octet-stream", b"\xd0\xcf\x11\xe0" + b"\x00" * 64),
    ("zip not xlsx", "application/octet-stream", b"PK\x03\x04" + b"\x00" * 64),
]


async def test_bad_encodings_and_wrong_content_types_get_4xx_in_the_error_model(
    warning_client, intake_client, assistance_client
) -> None:
    clients = {
        "warning_client": warning_client,
        "intake_client": intake_client,
        "assistance_client": assistance_client,
    }
    failures, sent = [], 0
    for fixture, path, role, must_refuse in RAW_BODY_ENDPOINTS:
        client = clients[fixture]
        for label, content_type, body in BAD_BODIES:
            headers = {**PRINCIPALS[role], "Content-Type": content_type}
            resp = await client.post(path, content=body, headers=headers)
            sent += 1
            problem = response_problem(resp)
            if problem or (must_refuse and resp.status_code < 400):
                failures.append(f"{path} {label}: {resp.status_code} {problem} {resp.text[:150]}")
    print(f"sent {sent} malformed bodies, {len(failures)} mishandled")
    assert not failures, "\n".join(failures)


async def test_oversized_bodies_get_413_in_the_error_model(warning_client, intake_client) -> None:
    big = b'{"items": [' + b'{"name": "x"},' * (64 * 1024 * 1024 // 14 + 10) + b"{}]}"
    cases = [
        (intake_client, "/api/v1/declarations", "resident_own", b'{"d": "' + b"x" * 40_000 + b'"}'),
        (warning_client, "/api/v1/warning-batches", "department_own", big),
    ]
    for client, path, role, body in cases:
        headers = {**PRINCIPALS[role], "Content-Type": "application/json"}
        resp = await client.post(path, content=body, headers=headers)
        assert resp.status_code == 413, (path, resp.status_code, resp.text[:200])
        assert resp.json()["error"]["code"] == "payload_too_large"
        assert resp.json()["error"]["message"]


async def test_nul_bytes_in_filters_are_refused_not_crashed(warning_client, intake_client) -> None:
    # found by the fuzzer: a NUL in a text filter reached Postgres and came back as a 500
    probes = [
        (warning_client, "/api/v1/unroutable", "county_own"),
        (warning_client, "/api/v1/tasks", "township_own"),
        (intake_client, "/api/v1/declarations", "county_own"),
    ]
    for client, path, role in probes:
        resp = await client.get(path, params={"status": "open\x00"}, headers=PRINCIPALS[role])
        assert resp.status_code == 422, (path, resp.status_code, resp.text[:200])
        assert resp.json()["error"]["code"] == "invalid_value"
