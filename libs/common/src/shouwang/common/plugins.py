"""Service discovery: each service registers itself under the `shouwang.services` entry point.

The library never names a service: the CLI (`serve`, `migrate`, `run`, `keys`, `outbox`) and the
test plugin find the installed services here.
"""

import functools
import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "shouwang.services"


@dataclass(frozen=True)
class ServicePlugin:
    """What the tooling needs to know of one service; every reference is a dotted path."""

    name: str
    port: int
    app_factory: str  # "package.module:create_app"
    migrations: str | None = None  # Alembic script location, "package:migrations"
    outbox: str | None = None  # "package.module:outbox"
    encrypted_columns: str | None = None  # "package.module:ENCRYPTED_COLUMNS"
    landing_page: str = "/docs"

    def load(self, reference: str) -> Any:
        """Import the object a `module:attribute` reference names."""
        module, _, attribute = reference.partition(":")
        return getattr(importlib.import_module(module), attribute)


@functools.cache
def installed_services() -> dict[str, ServicePlugin]:
    """The services installed in this environment, by name, in port order."""
    found = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    plugins = [p for p in found if isinstance(p, ServicePlugin)]
    return {p.name: p for p in sorted(plugins, key=lambda p: p.port)}


def service(name: str) -> ServicePlugin:
    """The installed service called `name` (LookupError if it is not installed here)."""
    try:
        return installed_services()[name]
    except KeyError:
        raise LookupError(f"service {name!r} is not installed here") from None


def services_with(attribute: str) -> list[str]:
    """Names of the installed services that declare `attribute` (e.g. "migrations")."""
    return [name for name, p in installed_services().items() if getattr(p, attribute)]
