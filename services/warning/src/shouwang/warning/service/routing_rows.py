"""The rows routing writes: a task, a signal, a held item, an item under the threshold.

Task ids go to COPY as their text (asyncpg parses a uuid's text in C): a uuid.UUID built in
Python per row, three times per task, was a visible share of routing.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shouwang.common.identity import ProtectedPerson
from shouwang.warning.domain.task import Task


@dataclass(frozen=True)
class Signal:
    """Something about one person that may need a home visit: an item or a declaration."""

    person: ProtectedPerson
    village_code: str
    channel: str
    source_ref: str
    department: str | None
    indicator: str | None
    values: dict[str, Any]


def task_row(task: Task, sig: Signal) -> dict[str, Any]:
    """The `tasks` row of a newly opened task, its person's sealed PII included."""
    return {
        "id": task.id,
        "county_code": task.county_code,
        "township_code": task.township_code,
        "village_code": task.village_code,
        "period": task.period,
        "person_ref": task.person_ref,
        "id_enc": sig.person.id_enc,
        "name_enc": sig.person.name_enc,
        "id_masked": task.id_masked,
        "name_masked": task.name_masked,
        "channel": task.channel,
        "source_ref": task.source_ref,
        "comparison": task.comparison,
        "status": task.status,
        "assign_by": task.assign_by,
        "report_by": task.report_by,
        "created_at": task.created_at,
        "updated_at": task.created_at,
    }


def signal_row(task_id: str, sig: Signal, now: datetime) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "channel": sig.channel,
        "department": sig.department,
        "indicator": sig.indicator,
        "values": sig.values,
        "source_ref": sig.source_ref,
        "received_at": now,
    }


def unroutable_row(sig: Signal, county: str, period: str, now: datetime) -> dict[str, Any]:
    p = sig.person
    return {
        "id": uuid.uuid4(),
        "county_code": county,
        "village_code": sig.village_code,
        "period": period,
        "person_ref": p.person_ref,
        "id_enc": p.id_enc,
        "name_enc": p.name_enc,
        "id_masked": p.id_masked,
        "name_masked": p.name_masked,
        "channel": sig.channel,
        "department": sig.department,
        "indicator": sig.indicator,
        "values": sig.values,
        "source_ref": sig.source_ref,
        "reason": "unknown_village",
        "created_at": now,
    }


def below_row(
    sig: Signal, missed: dict[str, float], county: str, period: str, now: datetime
) -> dict[str, Any]:
    p = sig.person
    return {
        "id": uuid.uuid4(),
        "county_code": county,
        "village_code": sig.village_code,
        "period": period,
        "department": sig.department or "",
        "indicator": sig.indicator or "",
        "values": sig.values,
        "minimums": missed,
        "person_ref": p.person_ref,
        "id_masked": p.id_masked,
        "name_masked": p.name_masked,
        "source_ref": sig.source_ref,
        "created_at": now,
    }
