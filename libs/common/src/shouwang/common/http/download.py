"""File downloads: an attachment's headers (a Chinese name, an ASCII fallback), streamed XLSX."""

from collections.abc import AsyncIterable
from urllib.parse import quote

from starlette.responses import StreamingResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(filename: str, fallback: str) -> dict[str, str]:
    """Headers that save the body as `filename` (`fallback` for clients without RFC 5987)."""
    return {
        "Content-Disposition": f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
    }


def xlsx_response(
    chunks: AsyncIterable[bytes], *, filename: str, fallback: str
) -> StreamingResponse:
    """A workbook sent while it is written (no length: chunked)."""
    return StreamingResponse(chunks, media_type=XLSX_TYPE, headers=attachment(filename, fallback))
