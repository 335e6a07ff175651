"""SSE stream (scoped, resumable), the dashboard page, and the AsyncAPI document."""

import json
import uuid

from shouwang.audit.service.chain import append_event
from shouwang.common.events.catalog.warning import PushMissing
from shouwang.common.events.envelope import new_envelope
from shouwang.common.events.registry import all_specs
from shouwang.common.events.topics import TOPICS
from shouwang.common.testing.fixtures import auth


async def _append(sessions, county: str) -> int:
    data = PushMissing(county_code=county, department="water", period="2026-08")
    async with sessions() as session, session.begin():
        envelope = new_envelope(data, source="/t", subject=str(uuid.uuid4()))
        return await append_event(session, envelope)


def _sse(body: str) -> list[tuple[int, dict]]:
    events = []
    for block in body.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        fields = dict(line.split(": ", 1) for line in lines)
        if "data" in fields:
            events.append((int(fields["id"]), json.loads(fields["data"])))
    return events


async def test_stream_is_scoped_and_resumable(sessions, audit_client):
    county = "239902"
    first = await _append(sessions, county)
    await _append(sessions, "239903")  # another county: never streamed to this reader
    second = await _append(sessions, county)
    third = await _append(sessions, county)
    headers = auth("county", county)
    resp = await audit_client.get(
        "/api/v1/events/stream", params={"after": first - 1, "limit": 2}, headers=headers
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    got = _sse(resp.text)
    assert [pos for pos, _ in got] == [first, second]
    assert all(e["county_code"] == county for _, e in got)
    resumed = await audit_client.get(
        "/api/v1/events/stream",
        params={"limit": 1},
        headers={**headers, "Last-Event-ID": str(second)},
    )
    assert [pos for pos, _ in _sse(resumed.text)] == [third]


async def test_the_header_opens_the_page_and_the_stream(sessions, audit_client):
    headers = auth("county", "231226")
    page = await audit_client.get("/", headers=headers)
    assert page.status_code == 200
    assert "绥棱县" in page.text and "县级督导看板" in page.text
    assert "/static/dashboard.js" in page.text  # which loads ECharts once a chart is in view
    position = await _append(sessions, "231226")
    streamed = await audit_client.get(
        "/api/v1/events/stream", headers=headers, params={"after": position - 1, "limit": 1}
    )
    assert _sse(streamed.text)[0][0] == position
    anonymous = await audit_client.get("/")
    assert anonymous.status_code == 401 and "缺少访问令牌" in anonymous.text
    assert (await audit_client.get("/api/v1/events/stream")).status_code == 401
    script = await audit_client.get("/static/dashboard.js")
    assert script.status_code == 200 and "/static/echarts.min.js" in script.text
    js = await audit_client.get("/static/echarts.min.js")
    assert js.status_code == 200 and len(js.content) > 500_000


async def test_asyncapi_lists_every_topic_and_event_type(audit_client):
    doc = (await audit_client.get("/asyncapi.json")).json()
    assert doc["asyncapi"].startswith("3.")
    assert {t.name for t in TOPICS} | {t.dlq for t in TOPICS} == set(doc["channels"])
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert names == {s.type_name for s in all_specs()}
    for ref in _refs(doc):
        assert _resolve(doc, ref) is not None, ref
    created = doc["components"]["schemas"]["TaskCreated"]
    assert "person_ref" in created["properties"] and "id_number" not in created["properties"]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(doc, ref: str):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node
