"""Turning signals about people into tasks: thresholds, dedup per person and period, routing.

An item under the county's threshold for its period is filed as `below_threshold` (no task); an
item whose village is unknown is held for the county (`unroutable`); the rest open or join the
person's one open task of the period.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import ItemUnroutable, TaskSignalAttached
from shouwang.common.events.envelope import new_envelope
from shouwang.common.geography import Geography
from shouwang.common.ids import uuid4_text
from shouwang.warning.adapters.registry import statuses_of
from shouwang.warning.adapters.repository import SOURCE, add_feed
from shouwang.warning.adapters.routed import (
    ROUTED_TABLES,
    lock_county_period,
    open_tasks_of,
    write_routed,
)
from shouwang.warning.domain.policy import CountyPolicy
from shouwang.warning.domain.task import Task
from shouwang.warning.service.routing_rows import (
    Signal,
    below_row,
    signal_row,
    task_row,
    unroutable_row,
)

# registry status -> comparison class of an item about a person in the registry
REGISTRY_CLASSES = {"monitored": "monitored", "lifted": "lifted", "risk_eliminated": "eliminated"}
ROWS = tuple(ROUTED_TABLES)


@dataclass
class Outcome:
    tasks_created: int = 0
    signals_attached: int = 0
    unroutable: int = 0
    below_threshold: int = 0
    comparison: dict[str, int] = field(default_factory=dict)
    task_ids: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """What routing a set of signals will write, built in memory before one bulk write."""

    county_code: str
    period: str
    now: datetime
    policy: CountyPolicy
    open_tasks: dict[str, tuple[str, str]]
    statuses: dict[str, str]
    outcome: Outcome = field(default_factory=Outcome)
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in ROWS}
    )
    events: list[BaseModel] = field(default_factory=list)
    due: tuple[datetime, datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.due = self.policy.due(self.now)  # every task of the plan opens now

    def add(self, sig: Signal, township: str | None) -> None:
        ref = sig.person.person_ref
        status = self.statuses.get(ref)
        if sig.indicator and (
            missed := self.policy.below_threshold(
                sig.indicator, sig.values, lifted=status is not None
            )
        ):
            self._file_below(sig, missed)
            return
        if township is None:
            self._hold(sig)
            return
        label = "open_task" if ref in self.open_tasks else REGISTRY_CLASSES.get(status or "", "new")
        self._count(label)
        task_id = self._attach(sig) if ref in self.open_tasks else self._open(sig, township, label)
        self.rows["signals"].append(signal_row(task_id, sig, self.now))

    def _count(self, label: str) -> None:
        self.outcome.comparison[label] = self.outcome.comparison.get(label, 0) + 1

    def _file_below(self, sig: Signal, missed: dict[str, float]) -> None:
        self.rows["below_threshold"].append(
            below_row(sig, missed, self.county_code, self.period, self.now)
        )
        self._count("below_threshold")
        self.outcome.below_threshold += 1

    def _hold(self, sig: Signal) -> None:
        row = unroutable_row(sig, self.county_code, self.period, self.now)
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
            id=uuid4_text(), county_code=self.county_code, township_code=township,
            village_code=sig.village_code, period=self.period, person_ref=p.person_ref,
            channel=sig.channel, source_ref=sig.source_ref, comparison=label,
            masked=(p.name_masked, p.id_masked), now=self.now, due=self.due,
        )  # fmt: skip
        self.open_tasks[p.person_ref] = (task.id, township)
        self.rows["tasks"].append(task_row(task, sig))
        action, actor, details = task.history[0]
        self.rows["history"].append(
            {"task_id": task.id, "at": self.now, "action": action, "actor": actor,
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
    policy: CountyPolicy,
) -> Outcome:
    """File each signal under the county's threshold aside, else attach it or open a task.

    `policy` is the county's for the period, resolved once by the caller for the whole batch.
    """
    await lock_county_period(uow.session, county_code, period)
    refs = list({s.person.person_ref for s in items})
    plan = _Plan(
        county_code,
        period,
        now,
        policy,
        await open_tasks_of(uow.session, refs, period),
        await statuses_of(uow.session, refs, statuses=REGISTRY_CLASSES),
    )
    for sig in items:
        plan.add(sig, geography.township_of(sig.village_code))
    await write_routed(uow.session, plan.rows)
    uow.publish(
        *(new_envelope(e, source=SOURCE, time=now, subject=_subject(e)) for e in plan.events)
    )
    await add_feed(uow.session, plan.events, now=now)
    return plan.outcome


def _subject(event: BaseModel) -> str:
    return str(getattr(event, "task_id", None) or getattr(event, "unroutable_id", ""))
