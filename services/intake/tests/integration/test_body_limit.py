"""The declaration body limit holds for a chunked body too, refused as it streams in."""

from shouwang.common.testing.bodies import ChunkedBody
from shouwang.intake.config import IntakeSettings

from .helpers import resident


async def test_a_chunked_body_over_the_limit_is_refused_as_it_streams_in(intake_client):
    limit = IntakeSettings().max_body_bytes
    body = ChunkedBody(8 << 20, head=b'{"description": "')
    resp = await intake_client.post(
        "/api/v1/declarations",
        content=body,
        headers={**resident(), "Content-Type": "application/json"},
    )
    assert resp.status_code == 413, resp.text
    error = resp.json()["error"]
    assert error["message"] == "请求内容过大（上限 32 KB），附件请只填写文件信息"
    assert error["code"] == "payload_too_large" and body.stopped_near(limit)
