"""No token in a URL: streams and pages take the header, the workbench cookie or a ticket."""

import uuid
from datetime import timedelta

import httpx
from shouwang.audit.service.chain import append_event
from shouwang.common.auth.stream_tickets import SESSION_COOKIE
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.events.catalog.warning import PushMissing
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth
from shouwang.common.testing.streams import lines_past_expiry, stream_ticket
from shouwang.web.testing import served

COUNTY = "231226"
STREAM = "/api/v1/events/stream"


async def _append(sessions, county: str = COUNTY) -> int:
    data = PushMissing(county_code=county, department="water", period="2026-08")
    async with sessions() as session, session.begin():
        envelope = new_envelope(data, source="/t", subject=str(uuid.uuid4()))
        return await append_event(session, envelope)


def _token(ttl: timedelta = timedelta(hours=1)) -> str:
    return issue_token(CommonSettings(), role="county", scope=COUNTY, ttl=ttl)


def _ids(body: str) -> list[int]:
    return [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]


async def test_a_ticket_opens_the_stream_once(sessions, audit_client):
    position = await _append(sessions)
    ticket = await stream_ticket(audit_client, auth("county", COUNTY))
    params = {"ticket": ticket, "after": position - 1, "limit": 1}
    first = await audit_client.get(STREAM, params=params)
    assert first.status_code == 200 and _ids(first.text) == [position]
    again = await audit_client.get(STREAM, params=params)
    assert again.status_code == 401 and again.json()["error"]["code"] == "invalid_ticket"
    assert (
        await audit_client.get(STREAM, params={**params, "ticket": "made-up"})
    ).status_code == 401


async def test_an_expired_ticket_is_refused(sessions, audit_client, clock):
    ticket = await stream_ticket(audit_client, auth("county", COUNTY))
    clock.advance(timedelta(seconds=31))
    resp = await audit_client.get(STREAM, params={"ticket": ticket, "limit": 1})
    assert resp.status_code == 401 and "票据" in resp.json()["error"]["message"]


async def test_tickets_need_the_header(audit_client):
    token = _token()
    assert (await audit_client.post("/api/v1/stream-tickets")).status_code == 401
    by_cookie = await audit_client.post(
        "/api/v1/stream-tickets", headers={"Cookie": f"{SESSION_COOKIE}={token}"}
    )
    assert by_cookie.status_code == 401


async def test_a_token_in_the_url_no_longer_authenticates(sessions, audit_client):
    token = _token()
    for path in (STREAM, "/", "/report/consultation"):
        resp = await audit_client.get(path, params={"token": token, "limit": 1})
        assert resp.status_code == 401, path
    position = await _append(sessions)
    by_header = await audit_client.get(
        STREAM,
        params={"after": position - 1, "limit": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert by_header.status_code == 200 and _ids(by_header.text) == [position]


async def test_the_workbench_cookie_opens_the_dashboard_the_report_and_the_stream(
    sessions, audit_client
):
    cookie = {"Cookie": f"{SESSION_COOKIE}={_token()}"}
    page = await audit_client.get("/", headers=cookie)
    assert page.status_code == 200 and "县级督导看板" in page.text
    assert "token=" not in page.text
    report = await audit_client.get("/report/consultation", headers=cookie)
    assert report.status_code == 200
    position = await _append(sessions)
    streamed = await audit_client.get(
        STREAM, params={"after": position - 1, "limit": 1}, headers=cookie
    )
    assert _ids(streamed.text) == [position]
    metrics = await audit_client.get("/api/v1/metrics/overdue", headers=cookie)
    assert metrics.status_code == 200
    ticket_page = await audit_client.get(
        "/", params={"ticket": await stream_ticket(audit_client, auth("county", COUNTY))}
    )
    assert ticket_page.status_code == 200


async def test_the_stream_closes_when_its_token_expires(audit_client, clock):
    token = _token(ttl=timedelta(minutes=5))
    async with served(audit_client.app) as url, httpx.AsyncClient(base_url=url) as http:
        lines = await lines_past_expiry(http, STREAM, token=token, clock=clock)
        assert "event: expired" in lines
        assert any("访问令牌已过期" in line for line in lines)


async def test_access_logs_never_show_a_ticket_or_a_token(sessions, audit_client, capsys):
    token = _token()
    position = await _append(sessions)
    async with (
        served(audit_client.app, log_level="info") as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        ticket = await stream_ticket(http, {"Authorization": f"Bearer {token}"})
        used = await http.get(STREAM, params={"ticket": ticket, "limit": 1, "after": position - 1})
        assert used.status_code == 200
        refused = await http.get("/", params={"county": COUNTY, "token": token})
        assert refused.status_code == 401
    logged = capsys.readouterr().out
    assert f"{STREAM}?ticket=***" in logged and "token=***" in logged
    assert ticket not in logged and token not in logged
