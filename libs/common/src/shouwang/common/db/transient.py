"""Which database failures are passing (retry later) rather than caused by the request or event."""

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes and codes that describe the server, not the statement: connection exceptions,
# insufficient resources, operator intervention (shutting down, starting up), serialization
# failure and deadlock. asyncpg raises 57P01/57P03 as plain PostgresError, which SQLAlchemy
# wraps as a generic DBAPIError, so the class alone does not tell.
TRANSIENT_SQLSTATE_PREFIXES = ("08", "53", "57P", "40001", "40P01")
TRANSIENT_TYPES = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, OSError,
                   TimeoutError)  # fmt: skip


def sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of a database error, '' when it has none."""
    for candidate in (getattr(exc, "orig", None), exc):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return ""


def is_transient(exc: BaseException) -> bool:
    """True when retrying the same work later can succeed (outage, restart, overload)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, TRANSIENT_TYPES):
        return True
    return sqlstate(exc).startswith(TRANSIENT_SQLSTATE_PREFIXES)
