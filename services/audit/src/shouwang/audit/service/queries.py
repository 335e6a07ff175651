"""Reading the audit log: filtered, scoped, keyset-paginated by position."""

import json
from typing import Any

from shouwang.audit.adapters.log_store import EventFilter, filtered
from sqlalchemy.engine import RowMapping

__all__ = ["PII_VIEWED", "EventFilter", "event_view", "filtered"]

PII_VIEWED = "shouwang.access.pii.viewed.v1"


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
