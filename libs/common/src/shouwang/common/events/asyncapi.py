"""AsyncAPI 3.0 document of every topic and event type, generated from the registry."""

from typing import Any

from shouwang.common.events.envelope import SPEC_VERSION
from shouwang.common.events.registry import EventSpec, all_specs
from shouwang.common.events.topics import TOPICS

_HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject"],
    "properties": {
        "ce_specversion": {"type": "string", "const": SPEC_VERSION},
        "ce_id": {"type": "string", "description": "event id (idempotency key of consumers)"},
        "ce_type": {"type": "string"},
        "ce_source": {"type": "string"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string"},
        "ce_correlationid": {"type": "string"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def _message_name(spec: EventSpec) -> str:
    return str(spec.type_name).replace(".", "_")


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {"CloudEventHeaders": _HEADERS}
    for spec in all_specs():
        schema = spec.model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[spec.model.__name__] = schema
    return schemas


def _message(spec: EventSpec) -> dict[str, Any]:
    return {
        "name": spec.type_name,
        "title": spec.model.__name__,
        "summary": (spec.model.__doc__ or spec.type_name).strip().splitlines()[0],
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
        "payload": {"$ref": f"#/components/schemas/{spec.model.__name__}"},
        "bindings": {"kafka": {"key": {"type": "string", "description": spec.key_field}}},
    }


def _channels(specs: list[EventSpec]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for topic in TOPICS:
        mine = [s for s in specs if s.topic.name == topic.name]
        channels[topic.name] = {
            "address": topic.name,
            "description": f"key: {topic.key}; partitions: {topic.partitions}; "
            f"retention: {topic.retention_days} days",
            "messages": {
                _message_name(s): {"$ref": f"#/components/messages/{_message_name(s)}"}
                for s in mine
            },
            "bindings": {"kafka": {"topic": topic.name, "partitions": topic.partitions}},
        }
        channels[topic.dlq] = {
            "address": topic.dlq,
            "description": f"dead letters of {topic.name}: the original record plus dlq_* headers",
            "messages": dict(channels[topic.name]["messages"]),
            "bindings": {"kafka": {"topic": topic.dlq, "partitions": 1}},
        }
    return channels


def _operations(specs: list[EventSpec]) -> dict[str, Any]:
    return {
        f"send_{_message_name(s)}": {
            "action": "send",
            "channel": {"$ref": f"#/channels/{s.topic.name}"},
            "messages": [{"$ref": f"#/channels/{s.topic.name}/messages/{_message_name(s)}"}],
        }
        for s in specs
    }


def asyncapi_document() -> dict[str, Any]:
    """Build the AsyncAPI 3.0 document (channels = topics and DLQs, one message per event type)."""
    specs = all_specs()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "守望 (Shouwang) events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in Kafka binary mode: ce_* headers, JSON data.",
        },
        "defaultContentType": "application/json",
        "channels": _channels(specs),
        "operations": _operations(specs),
        "components": {
            "schemas": _schemas(),
            "messages": {_message_name(s): _message(s) for s in specs},
        },
    }
