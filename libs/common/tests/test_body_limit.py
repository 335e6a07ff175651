"""Body limits are enforced while the body streams in, with the 413 in the error model."""

from typing import Any

import httpx
from fastapi import FastAPI, Request
from pydantic import BaseModel
from shouwang.common.errors import install_error_handlers
from shouwang.common.http.body_limit import BodyLimit, Limit

CHUNK = 64 * 1024


class Note(BaseModel):
    text: str


def app() -> FastAPI:
    api = FastAPI()
    install_error_handlers(api)

    @api.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @api.post("/model")
    async def model(note: Note) -> dict[str, int]:  # FastAPI turns a failed read into a 400
        return {"size": len(note.text)}

    @api.post("/stream/{name}")
    async def stream(request: Request, name: str) -> dict[str, int]:
        return {"size": sum([len(chunk) async for chunk in request.stream()])}

    api.add_middleware(
        BodyLimit,
        limits=[
            Limit("/raw", 256 * 1024, "推送内容", "请分批"),
            Limit("/model", 32 * 1024),
            Limit("/stream", 1 << 20, prefix=True),
            Limit("/stream/upload", 512 * 1024, "上传文件"),
        ],
    )
    return api


class Body:
    """A chunked request body of `total` bytes that records how much was taken from it."""

    def __init__(self, total: int) -> None:
        self.total, self.sent = total, 0

    async def __aiter__(self) -> Any:
        while self.sent < self.total:
            self.sent += CHUNK
            yield b"x" * CHUNK


async def post(path: str, content: Any, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, content=content, headers=headers)


def assert_413(resp: httpx.Response, limit: str) -> None:
    assert resp.status_code == 413, resp.text
    error = resp.json()["error"]
    assert error["code"] == "payload_too_large" and limit in error["message"], error


async def test_a_streamed_body_is_cut_off_at_the_limit_not_read_to_its_end():
    body = Body(total=64 << 20)
    resp = await post("/raw", body)
    assert_413(resp, "上限 256 KB")
    assert resp.json()["error"]["message"] == "推送内容过大（上限 256 KB），请分批"
    assert body.sent <= 256 * 1024 + CHUNK  # stopped one chunk past the limit


async def test_a_read_the_framework_turns_into_a_400_still_answers_413():
    body = Body(total=8 << 20)
    assert_413(await post("/model", body, **{"content-type": "application/json"}), "上限 32 KB")
    assert body.sent <= 32 * 1024 + CHUNK


async def test_the_most_specific_route_limit_wins():
    body = Body(total=8 << 20)
    assert_413(await post("/stream/upload", body), "上传文件过大（上限 512 KB）")
    assert body.sent <= 512 * 1024 + CHUNK
    assert_413(await post("/stream/other", Body(total=8 << 20)), "上限 1 MB")


async def test_a_declared_length_over_the_limit_is_refused_before_reading():
    body = Body(total=1 << 20)
    resp = await post("/raw", body, **{"content-length": str(1 << 20)})
    assert_413(resp, "上限 256 KB")
    assert body.sent <= CHUNK


async def test_bodies_within_the_limit_pass_untouched():
    assert (await post("/raw", Body(total=256 * 1024))).json() == {"size": 256 * 1024}
    note = await post("/model", b'{"text": "ok"}', **{"content-type": "application/json"})
    assert note.json() == {"size": 2}
    assert (await post("/stream/upload", Body(total=512 * 1024))).json() == {"size": 512 * 1024}
