"""Who may open a live stream: the bearer header, the workbench's cookie, or a one-use ticket.

A ticket is traded for the Authorization header (`POST /api/v1/stream-tickets`) so that an
EventSource, which cannot set headers, never carries a bearer token in its URL. Tickets live in
the service's own `stream_tickets` table: the one-use check is a single conditional UPDATE, so it
holds across replicas. Only the ticket's SHA-256 is stored.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from fastapi import APIRouter, Request
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.tokens import InvalidToken, verify_token
from shouwang.common.failures import Unauthenticated
from sqlalchemy import Column, DateTime, Index, MetaData, Table, Text, delete, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.concurrency import run_in_threadpool

SESSION_COOKIE = "shouwang_token"  # the workbench's HttpOnly session cookie (a JWT)
TICKET_TTL = timedelta(seconds=30)
_KEEP_USED = timedelta(hours=1)  # used and expired rows are pruned after this


@dataclass(frozen=True)
class StreamGrant:
    """A verified caller and the moment the token behind the credential expires."""

    principal: Principal
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        """True once the token behind the grant has expired."""
        return now >= self.expires_at


def stream_ticket_table(metadata: MetaData) -> Table:
    """Declare the `stream_tickets` table in a service's metadata."""
    return Table(
        "stream_tickets",
        metadata,
        Column("ticket_sha256", Text, primary_key=True),
        Column("sub", Text, nullable=False),
        Column("role", Text, nullable=False),
        Column("scope", Text, nullable=False),
        Column("county", Text),
        Column("token_expires_at", DateTime(timezone=True), nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=False),
        Column("used_at", DateTime(timezone=True)),
        Index("ix_stream_tickets_expires_at", "expires_at"),
    )


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def _unauthorized(code: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, code=code, headers={"WWW-Authenticate": "Bearer"})


def grant_of_token(settings: Any, raw: str) -> StreamGrant:
    """Verify a bearer token; the grant lasts until the token's own `exp`."""
    principal = verify_token(settings, raw)
    # NOTE: the signature was checked just above; this only reads the verified `exp`
    exp = jwt.decode(raw, options={"verify_signature": False}).get("exp")
    if not isinstance(exp, int | float):
        raise InvalidToken("token without exp")
    return StreamGrant(principal, datetime.fromtimestamp(exp, UTC))


async def _verified(request: Request, raw: str) -> StreamGrant:
    settings = request.app.state.settings
    try:
        if settings.jwks_url:  # the first call fetches keys over HTTP: keep it off the loop
            return await run_in_threadpool(grant_of_token, settings, raw)
        return grant_of_token(settings, raw)
    except InvalidToken:
        raise _unauthorized("invalid_token", "访问令牌无效或已过期") from None


def bearer_of(request: Request) -> str | None:
    """The token of the Authorization header, if any."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return header[7:].strip() or None


async def token_grant(request: Request, *, cookie: bool = True) -> StreamGrant | None:
    """The grant of the Authorization header or (if allowed) the session cookie; None if neither."""
    raw = bearer_of(request) or (request.cookies.get(SESSION_COOKIE) if cookie else None)
    return await _verified(request, raw) if raw else None


async def issue_ticket(
    *, engine: AsyncEngine, table: Table, grant: StreamGrant, now: datetime
) -> tuple[str, int]:
    """Store a new one-use ticket for the grant; return it and its lifetime in seconds."""
    ticket = secrets.token_urlsafe(32)
    expires_at = min(now + TICKET_TTL, grant.expires_at)
    p = grant.principal
    async with engine.begin() as conn:
        await conn.execute(delete(table).where(table.c.expires_at < now - _KEEP_USED))
        await conn.execute(
            insert(table).values(
                ticket_sha256=_digest(ticket),
                sub=p.sub,
                role=p.role,
                scope=p.scope,
                county=p.county,
                token_expires_at=grant.expires_at,
                expires_at=expires_at,
            )
        )
    return ticket, max(0, int((expires_at - now).total_seconds()))


async def redeem_ticket(
    *, engine: AsyncEngine, table: Table, ticket: str, now: datetime
) -> StreamGrant | None:
    """Use a ticket up (once, across replicas); None if unknown, used or expired."""
    stmt = (
        update(table)
        .where(
            table.c.ticket_sha256 == _digest(ticket),
            table.c.used_at.is_(None),
            table.c.expires_at > now,
            table.c.token_expires_at > now,
        )
        .values(used_at=now)
        .returning(
            table.c.sub, table.c.role, table.c.scope, table.c.county, table.c.token_expires_at
        )
    )
    async with engine.begin() as conn:
        row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        return None
    principal = Principal(
        sub=row["sub"], role=row["role"], scope=row["scope"], county=row["county"]
    )
    return StreamGrant(principal, row["token_expires_at"])


async def stream_grant(request: Request, *, table: Table) -> StreamGrant:
    """The caller of a stream or page: header, session cookie, or `?ticket=`; else 401."""
    runtime = request.app.state.runtime
    now = runtime.clock.now()
    grant = await token_grant(request)
    if grant is None and (ticket := request.query_params.get("ticket")):
        grant = await redeem_ticket(engine=runtime.engine, table=table, ticket=ticket, now=now)
        if grant is None:
            raise _unauthorized("invalid_ticket", "访问票据无效、已使用或已过期")
    if grant is None:
        raise _unauthorized("unauthenticated", "缺少访问令牌")
    if grant.expired(now):
        raise _unauthorized("invalid_token", "访问令牌无效或已过期")
    return grant


def stream_ticket_router(table: Table) -> APIRouter:
    """`POST /api/v1/stream-tickets`: trade the Authorization header for a one-use ticket."""
    router = APIRouter(tags=["live stream"])

    @router.post("/api/v1/stream-tickets", status_code=201)
    async def create_stream_ticket(request: Request) -> dict[str, Any]:
        """A ticket (about 30 s, one use) to open a live stream with `?ticket=`."""
        raw = bearer_of(request)
        if not raw:  # header only: a cookie-authenticated POST would be open to CSRF
            raise _unauthorized("unauthenticated", "缺少访问令牌")
        grant = await _verified(request, raw)
        runtime = request.app.state.runtime
        now = runtime.clock.now()
        if grant.expired(now):
            raise _unauthorized("invalid_token", "访问令牌无效或已过期")
        ticket, expires_in = await issue_ticket(
            engine=runtime.engine, table=table, grant=grant, now=now
        )
        return {"ticket": ticket, "expires_in": expires_in}

    return router
