"""The hash chain: canonical form of an event, serialised append, verification in the database."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from shouwang.audit.adapters.tables import GENESIS_HASH, audit_log, chain_head
from shouwang.common.events.envelope import EventEnvelope
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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
        positions = (
            (await session.execute(insert(audit_log).returning(audit_log.c.position), rows))
            .scalars()
            .all()
        )
        await session.execute(
            update(chain_head)
            .where(chain_head.c.id == 1)
            .values(position=max(positions), hash=head, events=chain_head.c.events + len(rows))
        )
    return appended


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


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    first_broken: dict[str, Any] | None = None


# Recomputes every link in Postgres (sha256 built in), streaming rows in position order; also checks
# that the indexed columns still say what the hashed canonical text says.
_FIRST_BROKEN = text("""
SELECT position, event_id FROM (
    SELECT position, event_id, prev_hash, hash, canonical, type, subject, actor, county_code,
           lag(hash) OVER (ORDER BY position) AS expected_prev
    FROM audit.audit_log
) AS link
WHERE prev_hash IS DISTINCT FROM coalesce(expected_prev, :genesis)
   OR hash IS DISTINCT FROM encode(sha256(convert_to(prev_hash || canonical, 'UTF8')), 'hex')
   OR event_id IS DISTINCT FROM (canonical::jsonb ->> 'id')
   OR type IS DISTINCT FROM (canonical::jsonb ->> 'type')
   OR subject IS DISTINCT FROM (canonical::jsonb ->> 'subject')
   OR county_code IS DISTINCT FROM (canonical::jsonb -> 'data' ->> 'county_code')
ORDER BY position
LIMIT 1
""")
_TAIL = text("SELECT position, event_id, hash FROM audit.audit_log ORDER BY position DESC LIMIT 1")


async def verify_chain(conn: AsyncConnection) -> Verification:
    """Recompute the chain; name the first broken link (a tampered, inserted or removed row)."""
    count = (await conn.execute(text("SELECT count(*) FROM audit.audit_log"))).scalar_one()
    broken = (await conn.execute(_FIRST_BROKEN, {"genesis": GENESIS_HASH})).first()
    if broken is not None:
        first = {"position": broken.position, "event_id": broken.event_id}
        return Verification(False, count, first)
    head = (await conn.execute(select(chain_head))).mappings().one()
    tail = (await conn.execute(_TAIL)).first()
    tail_hash = tail.hash if tail else GENESIS_HASH
    if head["hash"] != tail_hash or head["events"] != count:
        # the newest rows were removed (or rows added behind the head's back)
        position = tail.position if tail else 0
        return Verification(
            False, count, {"position": position, "event_id": tail.event_id if tail else None}
        )
    return Verification(True, count)
