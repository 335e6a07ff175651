"""CSRF tokens for the workbench's forms, bound to the session (SameSite alone is not enough).

The token is a hash of the session cookie (the HttpOnly JWT): a page of another site can neither
read the cookie nor the token. Before login there is no session, so the login forms bind to a
random pre-session cookie instead. Every POST must echo the token in the `csrf_token` field (or
the `X-CSRF-Token` header); otherwise 403.
"""

import hashlib
import hmac
import secrets

from fastapi import Request
from shouwang.common.auth.stream_tickets import SESSION_COOKIE
from shouwang.web.session import set_site_cookie
from starlette.responses import Response

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SEED_COOKIE = "shouwang_csrf"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CsrfRejected(Exception):
    """A state-changing request without the form's CSRF token."""

    message = "页面已失效或请求来源不明（缺少或错误的表单校验码），请刷新页面后重试"


def _binding(request: Request) -> str | None:
    seed = getattr(request.state, "csrf_seed", None)
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(SEED_COOKIE) or seed


def _token_for(binding: str) -> str:
    return hashlib.sha256(f"shouwang-csrf:{binding}".encode()).hexdigest()


def csrf_token(request: Request) -> str:
    """The token to put in the page's forms (starts a pre-session seed when there is none)."""
    binding = _binding(request)
    if binding is None:
        binding = request.state.csrf_seed = secrets.token_urlsafe(32)
    return _token_for(binding)


def keep_seed(request: Request, response: Response) -> None:
    """Send the pre-session seed cookie the page's token was bound to, if one was just made."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed:
        set_site_cookie(request, response, SEED_COOKIE, seed)


async def require_csrf(request: Request) -> None:
    """Reject a POST whose CSRF token is missing or does not match the session."""
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(HEADER)
    if sent is None:
        sent = str((await request.form()).get(FIELD) or "")
    binding = _binding(request)
    if not binding or not hmac.compare_digest(sent, _token_for(binding)):
        raise CsrfRejected
