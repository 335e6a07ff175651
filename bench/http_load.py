"""A lean HTTP/1.1 keep-alive client for open-loop load (httpx's pool is too costly at 500/s).

Each connection carries one request at a time; a request waits for an idle connection or opens a
new one (up to `max_connections`), so the client adds almost nothing to the measured latency.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass
class Response:
    status: int
    body: bytes


@dataclass
class LoadClient:
    host: str
    port: int
    max_connections: int = 512
    _idle: list[Conn] = field(default_factory=list)
    _open: int = 0
    _freed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _acquire(self, *, fresh: bool = False) -> Conn:
        async with self._freed:
            while not self._idle and self._open >= self.max_connections:
                await self._freed.wait()
            if self._idle and not fresh:
                return self._idle.pop()
            if self._idle:  # fresh wanted: swap an idle connection for a new one
                self._idle.pop(0)[1].close()
            else:
                self._open += 1
        try:
            return await asyncio.open_connection(self.host, self.port)
        except OSError:
            await self._release(None)
            raise

    async def _release(self, conn: Conn | None) -> None:
        async with self._freed:
            if conn is None:
                self._open -= 1
            else:
                self._idle.append(conn)
            self._freed.notify()

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Response:
        """POST once; a kept-alive connection the server closed meanwhile is retried once."""
        try:
            return await self._post(path, body, headers)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
            return await self._post(path, body, headers, fresh=True)

    async def _post(
        self, path: str, body: bytes, headers: dict[str, str], *, fresh: bool = False
    ) -> Response:
        """POST and read the whole response (Content-Length framing, as uvicorn answers)."""
        reader, writer = await self._acquire(fresh=fresh)
        try:
            lines = [
                f"POST {path} HTTP/1.1",
                f"Host: {self.host}:{self.port}",
                f"Content-Length: {len(body)}",
                *(f"{k}: {v}" for k, v in headers.items()),
                "",
                "",
            ]
            writer.write("\r\n".join(lines).encode() + body)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            payload = await reader.readexactly(length) if length else b""
        except BaseException:
            writer.close()
            await self._release(None)
            raise
        await self._release((reader, writer))
        return Response(status, payload)

    async def close(self) -> None:
        """Close every idle connection."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


@dataclass
class BalancedClient:
    """Requests spread round-robin over several replicas, as the ingress does per request."""

    clients: list[LoadClient]
    _next: int = 0

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Response:
        """POST to the next replica in turn."""
        client = self.clients[self._next % len(self.clients)]
        self._next += 1
        return await client.post(path, body, headers)

    async def close(self) -> None:
        """Close every replica's idle connections."""
        for client in self.clients:
            await client.close()
