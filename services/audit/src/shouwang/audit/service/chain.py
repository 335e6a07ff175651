"""The hash chain: canonical form of an event and its serialised append (verify: verify.py)."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from shouwang.audit.adapters import log_store
from shouwang.audit.adapters.log_store import ACTOR_FIELDS
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.live.notify import notify
from sqlalchemy.ext.asyncio import AsyncSession

LOG_CHANNEL = "audit_log"  # NOTIFY `region:position` per append, read by the live stream


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
    entry = _log_row(envelope, await log_store.lock_head(session))
    position = await log_store.append_entry(session, entry)
    if position is not None:
        await log_store.advance_head(session, position=position, hash=entry["hash"], added=1)
        await notify(session, channel=LOG_CHANNEL, positions={region_key(entry): position})
    return position


async def append_events(
    session: AsyncSession, envelopes: list[EventEnvelope]
) -> list[EventEnvelope]:
    """Append many events under one chain lock; return those newly appended, in order."""
    if not envelopes:
        return []
    head = await log_store.lock_head(session)
    known = await log_store.known_event_ids(session, [e.id for e in envelopes])
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
        returned = await log_store.append_entries(session, rows)
        newest = max(r.position for r in returned)
        await log_store.advance_head(session, position=newest, hash=head, added=len(rows))
        await notify(session, channel=LOG_CHANNEL, positions=_newest_per_region(returned))
    return appended


def _newest_per_region(returned: Sequence[Any]) -> dict[str, int]:
    newest: dict[str, int] = {}
    for r in returned:
        key = region_key(r._mapping)
        newest[key] = max(newest.get(key, 0), r.position)
    return newest


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
