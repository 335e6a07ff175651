"""Test helpers: serve an ASGI app on a real port in the running loop; fill an XLSX template."""

import asyncio
import io
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Literal

import uvicorn
from openpyxl import load_workbook
from shouwang.common.testing.fixtures import free_port, wait_until


@asynccontextmanager
async def served(
    app: Any, *, lifespan: Literal["on", "off"] = "off", log_level: str = "warning"
) -> AsyncIterator[str]:
    """Serve an app with uvicorn on a free port (lifespan off: it already runs elsewhere)."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan=lifespan,
        log_config=None,
        log_level=log_level,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: _started(server, task), timeout=30, what="uvicorn to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)


def fill_template(template: bytes, rows: list[Mapping[str, object]]) -> bytes:
    """Put rows (keyed by the template's Chinese headers) under the header of its first sheet."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for row in rows:
        unknown = set(row) - set(headers)
        if unknown:
            raise KeyError(f"not in the template: {sorted(unknown)}")
        sheet.append([row.get(str(h), None) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> bool:
    if task.done():
        raise RuntimeError("uvicorn failed to start")
    return bool(server.started)
