from datetime import timedelta

from shouwang.intake.config import IntakeSettings

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
    other = await intake_client.post("/api/v1/declarations", json=declaration(),
                                     headers=resident())
    assert other.status_code == 201
    clock.advance(timedelta(seconds=wait))
    resp = await intake_client.post("/api/v1/declarations", json=declaration(), headers=headers)
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
