from datetime import timedelta

import httpx
from shouwang.common.testing.fixtures import auth
from shouwang.intake.config import IntakeSettings, RateLimit

from .helpers import declaration, resident


async def test_a_resident_over_the_rate_gets_429_with_retry_after(intake_client, clock):
    headers = resident()
    limit = IntakeSettings().resident_rate
    for _ in range(limit.burst):
        resp = await intake_client.post("/api/v1/declarations", json=declaration(), headers=headers)
        assert resp.status_code == 201, resp.text
    resp = await intake_client.post("/api/v1/declarations", json=declaration(), headers=headers)
    assert resp.status_code == 429
    wait = int(60 / limit.per_minute)
    assert resp.headers["Retry-After"] == str(wait)
    assert resp.json()["error"]["code"] == "rate_limited"
    assert f"{wait} 秒" in resp.json()["error"]["message"]
    # another resident is not affected
    other = await intake_client.post("/api/v1/declarations", json=declaration(), headers=resident())
    assert other.status_code == 201
    clock.advance(timedelta(seconds=wait))
    resp = await intake_client.post("/api/v1/declarations", json=declaration(), headers=headers)
    assert resp.status_code == 201, resp.text


async def test_residents_behind_one_address_share_its_bucket(intake_client, clock, monkeypatch):
    runtime = intake_client.app.state.runtime
    limit = RateLimit(burst=3, per_minute=2)
    monkeypatch.setattr(
        runtime, "settings", runtime.settings.model_copy(update={"resident_address_rate": limit})
    )

    def from_address(host):
        transport = httpx.ASGITransport(app=intake_client.app, client=(host, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://intake")

    async with from_address("203.0.113.7") as nat, from_address("203.0.113.8") as other:
        for _ in range(limit.burst):  # each a different resident, well inside their own bucket
            resp = await nat.post("/api/v1/declarations", json=declaration(), headers=resident())
            assert resp.status_code == 201, resp.text
        resp = await nat.post("/api/v1/declarations", json=declaration(), headers=resident())
        assert resp.status_code == 429, resp.text
        assert resp.headers["Retry-After"] == "30"
        error = resp.json()["error"]
        assert error["code"] == "rate_limited" and error["details"]["retry_after_seconds"] == 30
        assert error["message"] == "当前网络地址申报过于频繁，请 30 秒后再试"
        # another address, and staff on the same address, are not affected
        resp = await other.post("/api/v1/declarations", json=declaration(), headers=resident())
        assert resp.status_code == 201, resp.text
        resp = await nat.post(
            "/api/v1/declarations",
            json=declaration(channel="hotline"),
            headers=auth("county", "231226"),
        )
        assert resp.status_code == 201, resp.text
        clock.advance(timedelta(seconds=30))
        resp = await nat.post("/api/v1/declarations", json=declaration(), headers=resident())
        assert resp.status_code == 201, resp.text


async def test_an_oversized_body_gets_413(intake_client):
    body = declaration(description="很" * 20_000)
    resp = await intake_client.post("/api/v1/declarations", json=body, headers=resident())
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"


async def test_a_long_description_within_the_body_limit_is_a_field_error(intake_client):
    body = declaration(description="很" * 2001)
    resp = await intake_client.post("/api/v1/declarations", json=body, headers=resident())
    assert resp.status_code == 422
    assert resp.json()["error"]["field"] == "description"
    assert resp.json()["error"]["message"] == "情况说明: 内容过长"


async def test_a_refused_resident_spends_nothing_of_the_address_bucket(intake_client, monkeypatch):
    runtime = intake_client.app.state.runtime
    update = {
        "resident_rate": RateLimit(burst=1, per_minute=1),
        "resident_address_rate": RateLimit(burst=3, per_minute=1),
    }
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update=update))
    transport = httpx.ASGITransport(app=intake_client.app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as nat:
        eager = resident()
        first = await nat.post("/api/v1/declarations", json=declaration(), headers=eager)
        assert first.status_code == 201, first.text
        for _ in range(3):  # the caller's own bucket refuses: the address keeps its two tokens
            again = await nat.post("/api/v1/declarations", json=declaration(), headers=eager)
            assert again.status_code == 429, again.text
            assert again.json()["error"]["message"].startswith("申报过于频繁")
        for _ in range(2):
            resp = await nat.post("/api/v1/declarations", json=declaration(), headers=resident())
            assert resp.status_code == 201, resp.text
        resp = await nat.post("/api/v1/declarations", json=declaration(), headers=resident())
        assert resp.status_code == 429, resp.text
        assert resp.json()["error"]["message"].startswith("当前网络地址申报过于频繁")
