"""The hash chain: canonical form of an event and its serialised append (verify: verify.py)."""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from shouwang.audit.adapters.tables import audit_log, chain_head
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.live.notify import notify
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

LOG_CHANNEL = "audit_log"  # NOTIFY `region:position` per append, read by the live stream
ACTOR_FIELDS = (
    "actor",
    "assigned_by",
    "reported_by",
    "confirmed_by",
    "rerouted_by",
    "submitted_by",
)


def canonical_event(envelope: EventEnvelope, topic: str) -> str:
    """Serialise an event deterministically (sorted keys, UTC time, no whitespace)."""
    body = {
        "id": envelope.id,
        "type": envelope.type,
        "source": envelope.source,
        "subject": envelope.subject,
        "time": envelope.time.astimezone(UTC).isoformat(),
        "correlation_id": envelope.correlation_id,
        "topic": topic,
        "data": envelope.data.model_dump(mode="json"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 over the previous hash (hex) followed by the canonical event."""
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def actor_of(data: dict[str, Any]) -> str | None:
    """The acting principal named in a payload, if any."""
    for name in ACTOR_FIELDS:
        if data.get(name):
            return str(data[name])
    return None


async def append_event(session: AsyncSession, envelope: EventEnvelope) -> int | None:
    """Append one event to the chain; returns its position, or None if it was already there."""
    head = (
        await session.execute(
            select(chain_head.c.hash).where(chain_head.c.id == 1).with_for_update()
        )
    ).scalar_one()
    topic = envelope.topic
    canonical = canonical_event(envelope, topic)
    data = envelope.data.model_dump(mode="json")
    digest = chain_hash(head, canonical)
    stmt = (
        insert(audit_log)
        .values(
            event_id=envelope.id,
            type=envelope.type,
            source=envelope.source,
            subject=envelope.subject,
            time=envelope.time,
            topic=topic,
            actor=actor_of(data),
            county_code=data.get("county_code"),
            township_code=data.get("township_code"),
            person_ref=data.get("person_ref"),
            canonical=canonical,
            prev_hash=head,
            hash=digest,
        )
        .on_conflict_do_nothing(index_elements=[audit_log.c.event_id])
        .returning(audit_log.c.position)
    )
    position: int | None = (await session.execute(stmt)).scalar_one_or_none()
    if position is not None:
        await session.execute(
            update(chain_head)
            .where(chain_head.c.id == 1)
            .values(position=position, hash=digest, events=chain_head.c.events + 1)
        )
        await notify(session, channel=LOG_CHANNEL, positions={region_key(data): position})
    return position


async def append_events(
    session: AsyncSession, envelopes: list[EventEnvelope]
) -> list[EventEnvelope]:
    """Append many events under one chain lock; return those newly appended, in order."""
    if not envelopes:
        return []
    head = (
        await session.execute(
            select(chain_head.c.hash).where(chain_head.c.id == 1).with_for_update()
        )
    ).scalar_one()
    known = set(
        (
            await session.execute(
                select(audit_log.c.event_id).where(
                    audit_log.c.event_id.in_([e.id for e in envelopes])
                )
            )
        ).scalars()
    )
    rows, appended = [], []
    for envelope in envelopes:
        if envelope.id in known:
            continue
        known.add(envelope.id)
        row = _log_row(envelope, head)
        head = row["hash"]
        rows.append(row)
        appended.append(envelope)
    if rows:
        returned = (
            await session.execute(
                insert(audit_log).returning(
                    audit_log.c.position, audit_log.c.county_code, audit_log.c.township_code
                ),
                rows,
            )
        ).all()
        await session.execute(
            update(chain_head)
            .where(chain_head.c.id == 1)
            .values(
                position=max(r.position for r in returned),
                hash=head,
                events=chain_head.c.events + len(rows),
            )
        )
        newest: dict[str, int] = {}
        for r in returned:
            key = region_key(r._mapping)
            newest[key] = max(newest.get(key, 0), r.position)
        await notify(session, channel=LOG_CHANNEL, positions=newest)
    return appended


def region_key(row: Mapping[Any, Any]) -> str:
    """The notification key of a log row: its township, else its county, else empty."""
    return str(row.get("township_code") or row.get("county_code") or "")


def _log_row(envelope: EventEnvelope, prev_hash: str) -> dict[str, Any]:
    topic = envelope.topic
    canonical = canonical_event(envelope, topic)
    data = envelope.data.model_dump(mode="json")
    return {
        "event_id": envelope.id,
        "type": envelope.type,
        "source": envelope.source,
        "subject": envelope.subject,
        "time": envelope.time,
        "topic": topic,
        "actor": actor_of(data),
        "county_code": data.get("county_code"),
        "township_code": data.get("township_code"),
        "person_ref": data.get("person_ref"),
        "canonical": canonical,
        "prev_hash": prev_hash,
        "hash": chain_hash(prev_hash, canonical),
    }
