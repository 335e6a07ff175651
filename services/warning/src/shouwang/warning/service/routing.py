"""Turning signals about people into tasks: dedup per person and period, routing, unroutable."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from shouwang.common.db.bulk import copy_rows
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import ItemUnroutable, TaskSignalAttached
from shouwang.common.events.envelope import new_envelope
from shouwang.common.geography import Geography
from shouwang.common.identity import ProtectedPerson
from shouwang.warning.adapters.repository import SOURCE, add_feed
from shouwang.warning.adapters.tables import OPEN_STATUSES, registry, signals, task_history, tasks
from shouwang.warning.adapters.tables import unroutable as unroutable_table
from shouwang.warning.config import CountyRules
from shouwang.warning.domain.task import Task
from sqlalchemy import Text, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Signal:
    person: ProtectedPerson
    village_code: str
    channel: str
    source_ref: str
    department: str | None
    indicator: str | None
    values: dict[str, Any]


@dataclass
class Outcome:
    tasks_created: int = 0
    signals_attached: int = 0
    unroutable: int = 0
    comparison: dict[str, int] = field(default_factory=dict)
    task_ids: list[str] = field(default_factory=list)


async def lock_county_period(session: AsyncSession, county_code: str, period: str) -> None:
    """Serialise task creation for one county and period (dedup must see every open task)."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"{county_code}:{period}")))
    )


@dataclass
class _Plan:
    """What routing a set of signals will write, built in memory before one bulk write."""

    county_code: str
    period: str
    now: datetime
    rules: CountyRules
    open_tasks: dict[str, tuple[str, str]]
    statuses: dict[str, str]
    outcome: Outcome = field(default_factory=Outcome)
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"tasks": [], "signals": [], "history": [], "unroutable": []}
    )
    events: list[BaseModel] = field(default_factory=list)

    def add(self, sig: Signal, township: str | None) -> None:
        if township is None:
            self._hold(sig)
            return
        ref = sig.person.person_ref
        label = "open_task" if ref in self.open_tasks else self.statuses.get(ref, "new")
        self.outcome.comparison[label] = self.outcome.comparison.get(label, 0) + 1
        task_id = self._attach(sig) if ref in self.open_tasks else self._open(sig, township, label)
        self.rows["signals"].append(_signal_row(task_id, sig, self.now))

    def _hold(self, sig: Signal) -> None:
        row = _unroutable_row(sig, self.county_code, self.period, self.now)
        self.rows["unroutable"].append(row)
        self.events.append(
            ItemUnroutable(
                unroutable_id=str(row["id"]),
                county_code=self.county_code,
                village_code=sig.village_code,
                period=self.period,
                person_ref=sig.person.person_ref,
                source_ref=sig.source_ref,
                reason="unknown_village",
            )
        )
        self.outcome.unroutable += 1

    def _attach(self, sig: Signal) -> str:
        task_id, township = self.open_tasks[sig.person.person_ref]
        self.events.append(
            TaskSignalAttached(
                task_id=task_id,
                county_code=self.county_code,
                township_code=township,
                village_code=sig.village_code,
                period=self.period,
                channel=sig.channel,
                person_ref=sig.person.person_ref,
                department=sig.department or "",
                indicator=sig.indicator or "",
                source_ref=sig.source_ref,
            )
        )
        self.outcome.signals_attached += 1
        return task_id

    def _open(self, sig: Signal, township: str, label: str) -> str:
        p = sig.person
        task = Task.open(
            id=str(uuid.uuid4()), county_code=self.county_code, township_code=township,
            village_code=sig.village_code, period=self.period, person_ref=p.person_ref,
            channel=sig.channel, source_ref=sig.source_ref, comparison=label,
            masked=(p.name_masked, p.id_masked), now=self.now,
            deadlines=(self.rules.assign_days, self.rules.report_days),
        )  # fmt: skip
        self.open_tasks[p.person_ref] = (task.id, township)
        self.rows["tasks"].append(_task_row(task, sig))
        action, actor, details = task.history[0]
        self.rows["history"].append(
            {"task_id": uuid.UUID(task.id), "at": self.now, "action": action, "actor": actor,
             "details": details}
        )  # fmt: skip
        self.events.extend(task.events)
        self.outcome.tasks_created += 1
        self.outcome.task_ids.append(task.id)
        return task.id


async def route_signals(
    uow: UnitOfWork,
    items: list[Signal],
    *,
    county_code: str,
    period: str,
    now: datetime,
    geography: Geography,
    rules: CountyRules,
) -> Outcome:
    """Attach each signal to the person's open task, or open one; keep unroutable ones aside."""
    await lock_county_period(uow.session, county_code, period)
    refs = list({s.person.person_ref for s in items})
    plan = _Plan(
        county_code,
        period,
        now,
        rules,
        await _open_tasks(uow.session, refs, period),
        await _registry_status(uow.session, refs),
    )
    for sig in items:
        plan.add(sig, geography.township_of(sig.village_code))
    for table, key in (
        (tasks, "tasks"),
        (signals, "signals"),
        (task_history, "history"),
        (unroutable_table, "unroutable"),
    ):
        await _bulk(uow.session, table, plan.rows[key])
    uow.publish(
        *(new_envelope(e, source=SOURCE, time=now, subject=_subject(e)) for e in plan.events)
    )
    await add_feed(uow.session, plan.events, now=now)
    return plan.outcome


def _subject(event: BaseModel) -> str:
    return str(getattr(event, "task_id", None) or getattr(event, "unroutable_id", ""))


async def _bulk(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    await copy_rows(session, table, rows)


async def _open_tasks(
    session: AsyncSession, refs: list[str], period: str
) -> dict[str, tuple[str, str]]:
    stmt = select(tasks.c.person_ref, tasks.c.id, tasks.c.township_code).where(
        tasks.c.period == period,
        tasks.c.status.in_(OPEN_STATUSES),
        tasks.c.person_ref == _any(refs),
    )
    rows = await session.execute(stmt)
    return {r.person_ref: (str(r.id), r.township_code) for r in rows}


async def _registry_status(session: AsyncSession, refs: list[str]) -> dict[str, str]:
    stmt = select(registry.c.person_ref, registry.c.status).where(
        registry.c.person_ref == _any(refs), registry.c.status.in_(("monitored", "lifted"))
    )
    return {r.person_ref: r.status for r in await session.execute(stmt)}


def _any(values: list[str]) -> Any:
    # NOTE: one array parameter; an IN list would hit the 32k bind-parameter limit
    return any_(bindparam("refs", value=values, type_=ARRAY(Text)))


def _task_row(task: Task, sig: Signal) -> dict[str, Any]:
    """The `tasks` row of a newly opened task, its person's sealed PII included."""
    return {
        "id": uuid.UUID(task.id),
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


def _signal_row(task_id: str, sig: Signal, now: datetime) -> dict[str, Any]:
    return {
        "task_id": uuid.UUID(task_id),
        "channel": sig.channel,
        "department": sig.department,
        "indicator": sig.indicator,
        "values": sig.values,
        "source_ref": sig.source_ref,
        "received_at": now,
    }


def _unroutable_row(sig: Signal, county: str, period: str, now: datetime) -> dict[str, Any]:
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
