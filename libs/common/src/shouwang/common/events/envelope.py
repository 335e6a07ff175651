"""CloudEvents 1.0 envelope, encoded in Kafka binary mode (ce_* headers, JSON data as the value)."""

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from shouwang.common.correlation import current_correlation_id
from shouwang.common.events.registry import spec_for_model, spec_for_type
from shouwang.common.ids import uuid4_text

SPEC_VERSION = "1.0"
Headers = list[tuple[str, bytes]]


class EventEnvelope(BaseModel):
    id: str
    type: str
    source: str
    time: datetime
    subject: str
    correlation_id: str | None = None
    data: BaseModel

    @property
    def topic(self) -> str:
        return spec_for_model(type(self.data)).topic.name

    @property
    def key(self) -> str:
        spec = spec_for_model(type(self.data))
        return str(getattr(self.data, spec.key_field))


class PoisonEvent(Exception):
    """A message that can never be handled: malformed, unknown type or invalid payload."""


def new_envelope(
    data: BaseModel,
    *,
    source: str,
    subject: str,
    time: datetime | None = None,
    correlation_id: str | None = None,
) -> EventEnvelope:
    """Wrap a registered payload in a fresh envelope (correlated with what is being handled)."""
    spec = spec_for_model(type(data))
    return EventEnvelope(
        id=uuid4_text(),
        type=spec.type_name,
        source=source,
        time=time or datetime.now(UTC),
        subject=subject,
        correlation_id=correlation_id or current_correlation_id(),
        data=data,
    )


def ce_headers(
    *,
    event_id: str,
    type_name: str,
    source: str,
    time: datetime,
    subject: str,
    correlation_id: str | None,
) -> Headers:
    """The CloudEvents binary-mode headers of one event."""
    headers: Headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", event_id.encode()),
        ("ce_type", type_name.encode()),
        ("ce_source", source.encode()),
        ("ce_time", time.isoformat().encode()),
        ("ce_subject", subject.encode()),
        ("content-type", b"application/json"),
    ]
    if correlation_id:
        headers.append(("ce_correlationid", correlation_id.encode()))
    return headers


def to_kafka(envelope: EventEnvelope) -> tuple[bytes, bytes, Headers]:
    """Return (key, value, headers) for the binary content mode."""
    headers = ce_headers(
        event_id=envelope.id,
        type_name=envelope.type,
        source=envelope.source,
        time=envelope.time,
        subject=envelope.subject,
        correlation_id=envelope.correlation_id,
    )
    value = envelope.data.model_dump_json().encode()
    return envelope.key.encode(), value, headers


def row_to_kafka(row: dict[str, Any]) -> tuple[bytes, bytes, Headers]:
    """Encode a stored outbox row directly: it was validated when staged."""
    headers = ce_headers(
        event_id=str(row["event_id"]),
        type_name=row["type"],
        source=row["source"],
        time=row["time"],
        subject=row["subject"],
        correlation_id=row.get("correlation_id"),
    )
    payload = row["payload"]
    if isinstance(payload, str):  # the stored JSON text itself (db.outbox.claim_unpublished)
        value = payload.encode()
    else:
        value = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return str(row["key"]).encode(), value, headers


def from_kafka(value: bytes | None, headers: Headers) -> EventEnvelope:
    """Decode a Kafka record into a typed envelope; raise PoisonEvent if it cannot be."""
    attrs = _header_map(headers)
    type_name = attrs.get("ce_type")
    if not type_name or "ce_id" not in attrs:
        raise PoisonEvent("missing CloudEvents headers ce_type/ce_id")
    spec = spec_for_type(type_name)
    if spec is None:
        raise PoisonEvent(f"unknown event type {type_name}")
    try:
        data = spec.model.model_validate_json(value or b"")
        return EventEnvelope(
            id=attrs["ce_id"],
            type=type_name,
            source=attrs.get("ce_source", ""),
            time=datetime.fromisoformat(attrs.get("ce_time", "")),
            subject=attrs.get("ce_subject", ""),
            correlation_id=attrs.get("ce_correlationid"),
            data=data,
        )
    except (ValidationError, ValueError) as exc:
        raise PoisonEvent(f"invalid {type_name} payload: {exc}") from exc


def envelope_from_row(row: dict[str, Any]) -> EventEnvelope:
    """Rebuild an envelope from its stored (outbox) form."""
    spec = spec_for_type(row["type"])
    if spec is None:
        raise PoisonEvent(f"unknown event type {row['type']}")
    payload = row["payload"]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return EventEnvelope(
        id=str(row["event_id"]),
        type=row["type"],
        source=row["source"],
        time=row["time"],
        subject=row["subject"],
        correlation_id=row.get("correlation_id"),
        data=spec.model.model_validate(payload),
    )


def _header_map(headers: Headers) -> dict[str, str]:
    result = {}
    for name, raw in headers or []:
        try:
            result[name] = raw.decode() if raw is not None else ""
        except UnicodeDecodeError:
            continue
    return result
