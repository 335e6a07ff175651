"""JWT issue (dev) and verification (HS256 in dev, RS256 with a configured public key)."""

import functools
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from shouwang.common.auth.principal import ROLES, Principal, scope_is_well_formed
from shouwang.common.config import CommonSettings


class InvalidToken(Exception):
    pass


def issue_token(
    settings: CommonSettings,
    *,
    role: str,
    scope: str = "",
    county: str | None = None,
    sub: str | None = None,
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    """Mint an HS256 dev token."""
    if role not in ROLES or not scope_is_well_formed(role, scope, county):
        raise ValueError(f"bad role/scope: {role} {scope} {county}")
    issued = now or datetime.now(UTC)
    claims = {
        "sub": sub or f"{role}-{scope or uuid.uuid4().hex[:8]}",
        "role": role,
        "scope": scope,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    if county:
        claims["county"] = county
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


@functools.cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=600)


def verify_token(settings: CommonSettings, token: str) -> Principal:
    """Verify a bearer token and return its principal."""
    try:
        if settings.jwks_url:
            key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"])
        elif settings.jwt_public_key:
            claims = jwt.decode(token, settings.jwt_public_key, algorithms=["RS256"])
        else:
            claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    role, scope, county = claims.get("role"), claims.get("scope", ""), claims.get("county")
    if role not in ROLES or not scope_is_well_formed(role, scope, county):
        raise InvalidToken("bad role or scope claim")
    return Principal(sub=str(claims.get("sub", "")), role=role, scope=scope, county=county)
