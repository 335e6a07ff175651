"""The township stream: header, workbench cookie or one-use ticket; never a token in the URL."""

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from shouwang.common.auth.stream_tickets import SESSION_COOKIE
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.testing.streams import lines_past_expiry, stream_ticket
from shouwang.web.testing import served

TOWNSHIP = "231226100"
STREAM = f"/api/v1/townships/{TOWNSHIP}/tasks/stream"


def _token(ttl: timedelta = timedelta(hours=1)) -> str:
    return issue_token(CommonSettings(), role="township", scope=TOWNSHIP, ttl=ttl)


@asynccontextmanager
async def _http(warning_client: httpx.AsyncClient):
    async with served(warning_client.app) as url, httpx.AsyncClient(base_url=url) as http:
        yield http


async def _ticket(http: httpx.AsyncClient, token: str) -> str:
    return await stream_ticket(http, {"Authorization": f"Bearer {token}"})


async def _opens(http: httpx.AsyncClient, **request: object) -> int:
    """Open the stream; on 200 wait for its first line, then hang up. Return the status."""
    async with asyncio.timeout(30), http.stream("GET", STREAM, **request) as resp:  # type: ignore
        if resp.status_code == 200:
            assert await anext(resp.aiter_lines()) == ": connected"
        return resp.status_code


async def test_header_cookie_and_ticket_open_the_stream_and_a_ticket_only_once(warning_client):
    token = _token()
    async with _http(warning_client) as http:
        assert await _opens(http, headers={"Authorization": f"Bearer {token}"}) == 200
        assert await _opens(http, headers={"Cookie": f"{SESSION_COOKIE}={token}"}) == 200
        ticket = await _ticket(http, token)
        assert await _opens(http, params={"ticket": ticket}) == 200
        again = await http.get(STREAM, params={"ticket": ticket})
        assert again.status_code == 401 and again.json()["error"]["code"] == "invalid_ticket"
        assert (await http.get(STREAM, params={"token": token})).status_code == 401
        assert (await http.get(STREAM)).status_code == 401


async def test_an_expired_ticket_is_refused(warning_client, clock):
    ticket = await _ticket(warning_client, _token())
    clock.advance(timedelta(seconds=31))
    assert (await warning_client.get(STREAM, params={"ticket": ticket})).status_code == 401


async def test_a_ticket_keeps_the_scope_of_its_token(warning_client):
    other = issue_token(CommonSettings(), role="township", scope="231226101")
    ticket = await _ticket(warning_client, other)
    assert (await warning_client.get(STREAM, params={"ticket": ticket})).status_code == 403


async def test_the_stream_closes_when_the_token_behind_the_ticket_expires(warning_client, clock):
    token = _token(ttl=timedelta(minutes=5))
    async with _http(warning_client) as http:
        lines = await lines_past_expiry(http, STREAM, token=token, clock=clock)
    assert "event: expired" in lines and any("访问令牌已过期" in line for line in lines)
