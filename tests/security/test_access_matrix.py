"""Issue 10 (5) / 14 (6): every endpoint x every principal (own/foreign scope, province, bad
tokens) -> allow/deny, generated from the one table in matrix_table.py; 0 foreign reads. Every
write route of every app (and every documented read) must have a row: the routes are enumerated
from the apps themselves, so a new endpoint without a row fails here. The workbench's POST routes
are checked per signed-in role."""

import random
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from shouwang.common.idnumber import generate_id_number

from .conftest import COUNTY, PRINCIPALS, REGION, World
from .matrix_table import TABLE, UPCOMING, Multipart, Raw, Row

DENIED = (401, 403, 404)
BAD_TOKENS = ("no_token", "expired_token", "wrong_signature")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SERVICES = ("warning", "intake", "assistance", "audit")
# event streams never end: their scope checks live in their own tests (exact paths, no patterns)
STREAMS = {
    ("warning", "/api/v1/townships/{township_code}/tasks/stream"),
    ("audit", "/api/v1/events/stream"),
}


def routes(app: Any) -> list[tuple[str, str, bool]]:
    """(method, path template, documented) of every route the app serves, included routers
    flattened (FastAPI >= 0.16x keeps them lazily as included routers)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        flat: list[Any] = list(app.routes)
    else:
        flat = list(iter_route_contexts(app.routes))
    found = []
    for route in flat:
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                documented = bool(getattr(route, "include_in_schema", False))
                found.append((method, str(route.path), documented))
    assert found, "no routes found: the enumeration is broken"
    return found


def _matches(template: str, row_path: str) -> bool:
    """Whether a row's path (placeholders or concrete steps) is served by the route template."""
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    concrete = re.sub(r"\{[^}]+\}", "x", row_path.split("?")[0])
    return re.fullmatch(pattern, concrete) is not None


def active_rows(apps: dict[str, Any]) -> list[Row]:
    """The table, plus each upcoming row whose route the app now serves."""
    served = {(service, m, p) for service, app in apps.items() for m, p, _ in routes(app)}
    return TABLE + [
        row
        for row in UPCOMING
        if any(s == row[0] and m == row[1] and _matches(p, row[2]) for s, m, p in served)
    ]


def _outcome(method: str, resp: httpx.Response) -> str:
    """allow/deny; a write refused as 422 (its input checked against the caller's scope before
    the resource is touched, e.g. a foreign county's village) is refused too."""
    assert resp.status_code < 500, resp.text
    refused = DENIED if method == "GET" else (*DENIED, 422)
    if resp.status_code in refused:
        return "deny"
    # a bulk import answers 200 and refuses row by row: every row refused is a refusal
    if method != "GET" and resp.headers.get("content-type") == "application/json":
        body = resp.json()
        if (
            isinstance(body, dict)
            and body.get("rows")
            and body.get("rejected_rows") == body["rows"]
        ):
            return "deny"
    return "allow"


def _foreign_items(principal: str, items: list[dict[str, Any]], field: str) -> list[str]:
    """Listed items outside the principal's geography."""
    region = REGION.get(principal)
    if region is None:
        return [str(i.get(field)) for i in items]
    # in scope: inside the caller's region, or a county-wide item of the county the caller is in
    return [
        str(i.get(field))
        for i in items
        if not (code := str(i.get(field) or ""))
        or not (code.startswith(region) or (len(code) == 6 and region.startswith(code)))
    ]


def _fill(body: Any, values: dict[str, str]) -> Any:
    """The body with {placeholders} of string values filled in."""
    if isinstance(body, dict):
        return {k: _fill(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v, values) for v in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return values.get(body[1:-1], body)
    return body


async def _send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    values: dict[str, str],
) -> httpx.Response:
    if isinstance(body, Raw):
        return await client.request(
            method,
            path,
            content=body.content,
            headers={**headers, "Content-Type": body.content_type},
        )
    if isinstance(body, Multipart):
        return await client.request(method, path, data=body.data, files=body.files, headers=headers)
    return await client.request(method, path, json=_fill(body, values), headers=headers)


def _fresh_values(rng: random.Random) -> dict[str, str]:
    """New people for each request that creates one (a declaration, a household, a member)."""
    return {
        "declarant_id": generate_id_number(rng, region=COUNTY),
        "declarant_name": "欧阳翰墨",
        "member_id": generate_id_number(rng, region=COUNTY),
        "member_id_2": generate_id_number(rng, region=COUNTY),
        "member_name": "上官子衿",
    }


async def test_every_endpoint_times_every_principal_matches_the_table(
    warning_client, intake_client, assistance_client, audit_client, policy_client, world: World
) -> None:
    clients = {
        "warning": warning_client,
        "intake": intake_client,
        "assistance": assistance_client,
        "audit": audit_client,
        "policy": policy_client,
    }
    rows = active_rows({name: c.app for name, c in clients.items()})
    rng = random.Random(uuid.uuid4().int)
    mismatches, foreign_reads, cells, listed = [], [], 0, 0
    for service, method, template, allowed, body, list_field in rows:
        path = template.format(**world.ids)
        # refusals first, so an allowed write cannot change what a refusal would have seen
        order = sorted(PRINCIPALS, key=lambda name: name in allowed)
        for name in order:
            resp = await _send(
                clients[service],
                method,
                path,
                body,
                PRINCIPALS[name],
                {**world.ids, **_fresh_values(rng)},
            )
            cells += 1
            expected = "allow" if name in allowed else "deny"
            got = _outcome(method, resp)
            if name in BAD_TOKENS and name not in allowed and resp.status_code != 401:
                mismatches.append(f"{method} {template} {name}: {resp.status_code} (want 401)")
            if got != expected:
                mismatches.append(
                    f"{method} {template} {name}: {resp.status_code} want {expected}"
                    f" {resp.text[:120]}"
                )
                if got == "allow" and method == "GET":
                    foreign_reads.append(f"{template} read by {name}")
            if resp.status_code >= 400:
                assert resp.json()["error"]["code"], resp.text
            if got == "allow" and resp.headers.get("content-type") == "application/json":
                top = resp.json()
                if isinstance(top, dict):  # a single resource must lie in the caller's scope
                    found = [k for k in ("county_code", "village_code") if top.get(k)][:1]
                    foreign_reads += [
                        f"{template} answered {top[k]} to {name}"
                        for k in found
                        if _foreign_items(name, [top], k)
                    ]
            if list_field and got == "allow" and resp.status_code == 200:
                items = resp.json()["items"]
                listed += len(items)
                outside = _foreign_items(name, items, list_field)
                foreign_reads += [f"{template} listed {x} to {name}" for x in outside]
    print(
        f"access matrix: {len(rows)} endpoints x {len(PRINCIPALS)} principals = {cells} cells "
        f"checked, {listed} listed items scope-checked, {len(foreign_reads)} foreign reads, "
        f"{len(mismatches)} mismatches"
    )
    assert cells == len(rows) * len(PRINCIPALS)
    assert {"province_own", "province_foreign"} <= set(PRINCIPALS)
    assert not foreign_reads, "\n".join(foreign_reads)
    assert not mismatches, "\n".join(mismatches)


def test_the_table_covers_every_write_route_and_every_documented_read(
    warning_client, intake_client, assistance_client, audit_client, policy_client
) -> None:
    apps = {
        "warning": warning_client.app,
        "intake": intake_client.app,
        "assistance": assistance_client.app,
        "audit": audit_client.app,
        "policy": policy_client.app,
    }
    rows = active_rows(apps)
    missing, writes = [], 0
    for service, app in apps.items():
        for method, template, documented in routes(app):
            if method not in WRITES and (not documented or (service, template) in STREAMS):
                continue
            writes += method in WRITES
            if not any(
                s == service and m == method and _matches(template, p) for s, m, p, *_ in rows
            ):
                missing.append(f"{service}: {method} {template}")
    stale = [
        f"{s}: {m} {p}"
        for s, m, p, *_ in TABLE
        if not any(m == method and _matches(t, p) for method, t, _ in routes(apps[s]))
    ]
    print(f"{writes} write routes enumerated; {len(missing)} without a row; {len(stale)} stale")
    assert writes >= 20, "the write routes were not enumerated"
    assert not missing, "routes without a row in matrix_table.py:\n" + "\n".join(missing)
    assert not stale, "rows for routes no app serves:\n" + "\n".join(stale)


# ---------------------------------------------------------------------------------------------
# The workbench: a session per role; a POST of a page of another role is refused (403), one
# without a valid session is sent to the login page (or 401); the role's own POST gets through.

WEB_PUBLIC = {"/login/dev", "/login/token", "/logout"}  # signing in and out: anyone
WEB_ROLES = {
    "department": ("department", "medical_insurance", COUNTY),
    "province": ("province", "23", ""),
    "county": ("county", COUNTY, ""),
    "township": ("township", "231226100", ""),
    "village": ("village", "231226100201", ""),
    "resident": ("resident", "", ""),
    "auditor": ("auditor", "", ""),
}
AREA = ("township", "county", "village")  # the household, identification and campaign pages
WEB_WRITES: dict[str, tuple[str | tuple[str, ...], dict[str, str], dict[str, Any] | None]] = {
    # path -> (the role(s) whose page it is, form fields, files)
    "/clerk/upload": (
        "department",
        {"period": "2026-11"},
        {"file": ("预警.csv", "身份证号,姓名\n".encode(), "text/csv")},
    ),
    "/township/assign": ("township", {"task_id": "{task}", "village_code": "231226100201"}, None),
    "/township/tasks/{task_id}/confirm": ("township", {}, None),
    "/village/tasks/{task_id}/report": (
        "village",
        {"outcome": "no_risk", "reason": "已核实", "visited_on": "2026-11-10"},
        None,
    ),
    "/county/unroutable/{item_id}/route": ("county", {"village_code": "231226100201"}, None),
    "/county/extensions": (
        "county",
        {"department": "medical_insurance", "period": "2026-10", "until": "2026-11-30"},
        None,
    ),
    "/households/{household_id}/identification/start": (AREA, {}, None),
    "/households/{household_id}/identification/{step}": (AREA, {"result": "pass"}, None),
    "/households/{household_id}/members/{member_id}/labour": (AREA, {"labour": "full"}, None),
    "/households/{household_id}/plan": (AREA, {"cadre_name": "张三"}, None),
    "/households/{household_id}/plan/check": (AREA, {"type_0": "产业", "name_0": "养殖"}, None),
    "/households/{household_id}/elimination/{step}": (AREA, {}, None),
    "/campaigns/{campaign_id}/problems": (AREA, {}, None),
    "/campaigns/{campaign_id}/problems/{problem_id}/close": (AREA, {}, None),
    "/village/visits/{household_id}": ("village", {"month": "2026-10"}, None),
    "/village/sync/followups/{household_id}": ("village", {}, None),
    "/village/sync/reports/{task_id}": ("village", {}, None),
    # no reason: the policy service refuses it (422), so the own roles change nothing
    "/policy": (("county", "province"), {"effective_from": "2027-01-01", "reason": ""}, None),
}
CSRF = re.compile(
    r'name="(?P<name>[^"]*csrf[^"]*)"[^>]*value="(?P<value>[^"]*)"'
    r'|value="(?P<value2>[^"]*)"[^>]*name="(?P<name2>[^"]*csrf[^"]*)"',
    re.I,
)


@pytest.fixture
async def workbench(
    make_settings: Any,
    warning_client: Any,
    intake_client: Any,
    assistance_client: Any,
    audit_client: Any,
    policy_client: Any,
    clock: Any,
) -> AsyncIterator[Any]:
    """The web app pointed at the running services (served on real ports)."""
    from shouwang.web.config import WebSettings
    from shouwang.web.main import create_app
    from shouwang.web.testing import served

    async with (
        served(warning_client.app) as warning,
        served(intake_client.app) as intake,
        served(assistance_client.app) as assistance,
        served(audit_client.app) as audit,
        served(policy_client.app) as policy,
    ):
        urls = {
            "warning_url": warning,
            "intake_url": intake,
            "assistance_url": assistance,
            "audit_url": audit,
            "policy_url": policy,
        }
        app = create_app(make_settings(WebSettings, **urls), clock=clock)
        async with LifespanManager(app):
            yield app


async def _signed_in(app: Any, role: str | None) -> tuple[httpx.AsyncClient, dict[str, str]]:
    """A client with a session of the role (None: anonymous) and the page's CSRF fields."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://web", timeout=60
    )
    if role is None:
        return client, {}
    login = await client.get("/login")
    fields = _csrf(login.text)
    who, scope, county = WEB_ROLES[role]
    resp = await client.post(
        "/login/dev", data={"role": who, "scope": scope, "county": county, **fields}
    )
    assert resp.status_code == 303, (role, resp.status_code, resp.text[:300])
    home = await client.get("/", follow_redirects=True)
    return client, _csrf(home.text) or fields


def _csrf(html: str) -> dict[str, str]:
    """The CSRF field of a form of the page, when the workbench has one."""
    match = CSRF.search(html)
    if not match:
        return {}
    return {match["name"] or match["name2"]: match["value"] or match["value2"]}


def _refused(resp: httpx.Response, signed_in: bool) -> bool:
    if signed_in:
        return resp.status_code in (401, 403)
    to_login = resp.status_code in (302, 303, 307) and resp.headers.get("location", "").startswith(
        "/login"
    )
    return resp.status_code in (401, 403) or to_login


async def _post(
    client: httpx.AsyncClient, path: str, data: dict[str, str], csrf: dict[str, str], files: Any
) -> httpx.Response:
    """A form POST carrying the session's CSRF token as a field and as the header (JSON pages)."""
    headers = {"X-CSRF-Token": next(iter(csrf.values()))} if csrf else {}
    return await client.post(path, data={**data, **csrf}, files=files, headers=headers)


async def test_every_workbench_post_refuses_every_other_role(workbench) -> None:
    posts = {p for m, p, _ in routes(workbench) if m in WRITES}
    missing = sorted(posts - set(WEB_WRITES) - WEB_PUBLIC)
    assert not missing, f"workbench POST routes without a row: {missing}"
    sessions = {role: await _signed_in(workbench, role) for role in WEB_ROLES}
    anonymous = await _signed_in(workbench, None)
    expired = await _signed_in(workbench, None)
    expired[0].cookies.set("shouwang_token", PRINCIPALS["expired_token"]["Authorization"][7:])
    # ids nobody has: a POST that gets through the gate changes nothing of other tests' world
    ids = {
        **{k: str(uuid.uuid4()) for k in ("task_id", "item_id", "household_id", "member_id")},
        **{k: str(uuid.uuid4()) for k in ("campaign_id", "problem_id")},
        "step": "notice",
    }
    wrong, cells = [], 0
    for template, (owner, form, files) in WEB_WRITES.items():
        owners = (owner,) if isinstance(owner, str) else owner
        path = template.format(**ids)
        data = {k: v.format(task=ids["task_id"]) for k, v in form.items()}
        for who, (client, csrf) in [
            *sessions.items(),
            ("anonymous", anonymous),
            ("expired_cookie", expired),
        ]:
            if who in owners:
                continue
            resp = await _post(client, path, data, csrf, files)
            cells += 1
            if not _refused(resp, who in sessions):
                wrong.append(f"POST {template} as {who}: {resp.status_code}")
        # the page's own roles get past the gate (the services then judge the request itself)
        for who in owners:
            client, csrf = sessions[who]
            resp = await _post(client, path, data, csrf, files)
            cells += 1
            if _refused(resp, True) or resp.headers.get("location", "").startswith("/login"):
                wrong.append(f"POST {template} as its own role {who}: {resp.status_code}")
    print(
        f"workbench: {len(WEB_WRITES)} POST routes x {len(WEB_ROLES) + 2} sessions = "
        f"{cells} cells; {len(wrong)} wrong"
    )
    for client, _ in [*sessions.values(), anonymous, expired]:
        await client.aclose()
    assert not wrong, "\n".join(wrong)
