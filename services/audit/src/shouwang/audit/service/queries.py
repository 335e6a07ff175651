"""Reading the audit log: filtered, scoped, keyset-paginated by position."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shouwang.audit.adapters.tables import audit_log
from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping

PII_VIEWED = "shouwang.access.pii.viewed.v1"


@dataclass(frozen=True)
class EventFilter:
    subject: str | None = None
    type: str | None = None
    actor: str | None = None
    person_ref: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    region: str | None = None  # county/township prefix the reader is limited to
    after: int = 0  # keyset cursor: positions strictly after this one


def filtered(flt: EventFilter) -> Select[Any]:
    """The SELECT of log rows matching a filter, in position order."""
    stmt = select(audit_log).where(audit_log.c.position > flt.after).order_by(audit_log.c.position)
    for column, value in (
        ("subject", flt.subject),
        ("type", flt.type),
        ("actor", flt.actor),
        ("person_ref", flt.person_ref),
    ):
        if value:
            stmt = stmt.where(audit_log.c[column] == value)
    if flt.since:
        stmt = stmt.where(audit_log.c.time >= flt.since)
    if flt.until:
        stmt = stmt.where(audit_log.c.time < flt.until)
    if flt.region is not None:
        stmt = stmt.where(audit_log.c.county_code.is_not(None), _region_match(flt.region))
    return stmt


def _region_match(region: str) -> Any:
    if len(region) <= 6:
        return audit_log.c.county_code.startswith(region, autoescape=True)
    return audit_log.c.township_code.startswith(region[:9], autoescape=True)


def event_view(row: RowMapping) -> dict[str, Any]:
    """The API form of one log row (the event as hashed, plus its chain links)."""
    event = json.loads(row["canonical"])
    return {
        "position": row["position"],
        "event_id": row["event_id"],
        "type": row["type"],
        "source": row["source"],
        "subject": row["subject"],
        "time": event["time"],
        "correlation_id": event["correlation_id"],
        "topic": row["topic"],
        "actor": row["actor"],
        "county_code": row["county_code"],
        "township_code": row["township_code"],
        "data": event["data"],
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
    }
