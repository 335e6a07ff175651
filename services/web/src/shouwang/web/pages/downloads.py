"""Pass a file from a service through to the browser (the browser has no bearer header)."""

from shouwang.web.client import Api
from starlette.responses import Response

_PASSED = ("content-type", "content-disposition")


async def passthrough(api: Api, service: str, path: str, **params: str) -> Response:
    """Fetch a file with the user's token and hand it over with its name and type."""
    upstream = await api.request(service, "GET", path, params=params)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED}
    headers["Cache-Control"] = "no-store"
    return Response(upstream.content, headers=headers)
