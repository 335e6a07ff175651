"""JWT issue (dev) and verification (HS256 in dev, RS256 with a configured public key)."""

import functools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from shouwang.common.auth.principal import ROLES, Principal, scope_is_well_formed
from shouwang.common.config import CommonSettings

# one algorithm per kind of key, never the token's choice: no `alg: none`, and no HS256 token
# "signed" with the RSA public key (public, so forgeable) accepted where RS256 is configured
SHARED_SECRET_ALGORITHM = "HS256"
PUBLIC_KEY_ALGORITHM = "RS256"
ALWAYS_REQUIRED = ("exp", "sub")


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
    """Mint an HS256 dev token (bound to the configured issuer and audience, if any)."""
    if role not in ROLES or not scope_is_well_formed(role, scope, county):
        raise ValueError(f"bad role/scope: {role} {scope} {county}")
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": sub or f"{role}-{scope or uuid.uuid4().hex[:8]}",
        "role": role,
        "scope": scope,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    optional = {"county": county, "iss": settings.jwt_issuer, "aud": settings.jwt_audience}
    claims |= {name: value for name, value in optional.items() if value}
    secret = settings.jwt_secret.get_secret_value()
    return jwt.encode(claims, secret, algorithm=SHARED_SECRET_ALGORITHM)


@functools.cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=600)


def verify_token(settings: CommonSettings, token: str) -> Principal:
    """Verify a bearer token and return its principal; InvalidToken (→ 401) otherwise."""
    try:
        key, algorithm = _verification_key(settings, token)
        claims = jwt.decode(token, key, algorithms=[algorithm], **_claim_checks(settings))
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    return _principal(claims)


def _verification_key(settings: CommonSettings, token: str) -> tuple[Any, str]:
    """The key to check the signature with, and the one algorithm it may be used with."""
    if settings.jwks_url:
        key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
        return key, PUBLIC_KEY_ALGORITHM
    if settings.jwt_public_key:
        return settings.jwt_public_key, PUBLIC_KEY_ALGORITHM
    return settings.jwt_secret.get_secret_value(), SHARED_SECRET_ALGORITHM


def _claim_checks(settings: CommonSettings) -> dict[str, Any]:
    """`jwt.decode` arguments: the claims a token must carry, and the iss/aud it must name."""
    required = list(ALWAYS_REQUIRED)
    required += [c for c, v in (("iss", settings.jwt_issuer), ("aud", settings.jwt_audience)) if v]
    return {
        "options": {"require": required},
        "issuer": settings.jwt_issuer,
        "audience": settings.jwt_audience,
    }


def _principal(claims: dict[str, Any]) -> Principal:
    sub, role = claims["sub"], claims.get("role")
    scope, county = claims.get("scope", ""), claims.get("county")
    if not isinstance(sub, str) or not sub.strip():
        raise InvalidToken("empty sub claim")
    if not (isinstance(scope, str) and isinstance(county, str | None)):
        raise InvalidToken("bad scope or county claim")
    if role not in ROLES or not scope_is_well_formed(role, scope, county):
        raise InvalidToken("bad role or scope claim")
    return Principal(sub=sub, role=role, scope=scope, county=county)
