"""Event-type registry: each versioned type name maps to its payload model and topic."""

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from pydantic import BaseModel
from shouwang.common.events.topics import Topic

P = TypeVar("P", bound=BaseModel)


class EventSpec:
    def __init__(
        self, type_name: str, model: type[BaseModel], topic: Topic, key_field: str
    ) -> None:
        self.type_name = type_name
        self.model = model
        self.topic = topic
        self.key_field = key_field


_REGISTRY: dict[str, EventSpec] = {}
_BY_MODEL: dict[type[BaseModel], EventSpec] = {}


def event_type(
    type_name: str, *, topic: Topic, key: str | None = None
) -> Callable[[type[P]], type[P]]:
    """Register a payload model under a versioned type name (`shouwang.<ctx>.<noun>.<verb>.v1`)."""
    if not type_name.rsplit(".", 1)[-1].startswith("v"):
        raise ValueError(f"event type {type_name!r} must end with a version (.v1)")

    def decorate(model: type[P]) -> type[P]:
        if type_name in _REGISTRY and _REGISTRY[type_name].model is not model:
            raise ValueError(f"event type {type_name!r} registered twice")
        spec = EventSpec(type_name, model, topic, key or topic.key)
        _REGISTRY[type_name] = spec
        _BY_MODEL[model] = spec
        return model

    return decorate


def spec_for_type(type_name: str) -> EventSpec | None:
    """Return the registered spec of a type name, or None if unknown."""
    _load_catalog()
    return _REGISTRY.get(type_name)


def spec_for_model(model: type[BaseModel]) -> EventSpec:
    """Return the spec a payload model was registered with."""
    _load_catalog()
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not a registered event payload") from None


def all_specs() -> list[EventSpec]:
    """Return every registered event type, sorted by name."""
    _load_catalog()
    return sorted(_REGISTRY.values(), key=lambda s: s.type_name)


@cache
def _load_catalog() -> None:
    # NOTE: imported lazily so the catalogue modules can import this one without a cycle
    from shouwang.common.events import catalog  # noqa: F401
