"""Live streams in tests: one-use tickets, and a stream watched until its token runs out."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt


async def stream_ticket(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """A one-use ticket for the caller the headers name (checks the 201 and its short life)."""
    resp = await client.post("/api/v1/stream-tickets", headers=headers)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert 0 < body["expires_in"] <= 30
    return str(body["ticket"])


async def lines_past_expiry(
    http: httpx.AsyncClient, path: str, *, token: str, clock: Any, **params: Any
) -> list[str]:
    """Open the stream with a ticket of `token`; once connected, move the clock a second past
    the token's expiry; every line the stream sent until it ended."""
    expires = datetime.fromtimestamp(
        jwt.decode(token, options={"verify_signature": False})["exp"], UTC
    )
    ticket = await stream_ticket(http, {"Authorization": f"Bearer {token}"})
    lines: list[str] = []
    async with (
        asyncio.timeout(30),
        http.stream("GET", path, params={**params, "ticket": ticket}) as resp,
    ):
        assert resp.status_code == 200
        async for line in resp.aiter_lines():
            lines.append(line)
            if line == ": connected":
                clock.set(expires + timedelta(seconds=1))
    return lines
