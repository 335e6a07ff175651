"""Request bodies for size-limit tests: chunked, endless enough, and counting what was taken."""

from collections.abc import AsyncIterator

CHUNK = 1 << 20


class ChunkedBody:
    """`head`, then filler chunks up to `total` bytes, sent without a Content-Length."""

    def __init__(self, total: int, *, head: bytes = b"", filler: bytes = b"x") -> None:
        self.total, self.head, self.sent = total, head, 0
        self.chunk = (filler * (CHUNK // len(filler) + 1))[:CHUNK]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            self.sent += len(self.head)
            yield self.head
        while self.sent < self.total:
            self.sent += len(self.chunk)
            yield self.chunk

    def stopped_near(self, limit: int) -> bool:
        """Whether the reader gave up within two chunks of `limit` (never read to the end)."""
        return self.sent <= limit + 2 * CHUNK < self.total


def multipart_head(boundary: str, fields: dict[str, str], filename: str) -> bytes:
    """A multipart form's fields and the start of its `file` part (the file bytes follow)."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    return "".join(parts).encode()


SHEET = "xl/worksheets/sheet1.xml"  # the first worksheet inside an .xlsx
# a "billion laughs" worksheet: ten levels of entities, each ten of the one below
ENTITY_BOMB_SHEET = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)).replace(
        "&lol0;", "&lol;"
    )
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
    "</worksheet>"
)
