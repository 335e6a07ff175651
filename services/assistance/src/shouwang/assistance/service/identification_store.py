"""How the API shows an identification (its rows: adapters/identifications.py)."""

from datetime import datetime
from typing import Any

from shouwang.assistance.adapters.identifications import (
    latest_identification as latest_identification,
)
from shouwang.assistance.domain.identification import Identification


def identification_view(ident: Identification, now: datetime, notice_days: int) -> dict[str, Any]:
    """The identification as the API shows it, with its deadline state."""
    ends = ident.notice_ends_on(notice_days)
    return {
        "id": ident.id,
        "status": ident.status,
        "started_at": ident.started_at.isoformat(),
        "due_at": ident.due_at.isoformat(),
        "overdue": ident.overdue(now),
        "next_step": ident.next_step(),
        "notice_ends_on": ends.isoformat() if ends else None,
        "steps": ident.steps,
        "decided_at": ident.decided_at.isoformat() if ident.decided_at else None,
    }
