"""Every event payload the system publishes, one module per bounded context."""

from shouwang.common.events.catalog import access, assistance, intake, policy, warning

__all__ = ["access", "assistance", "intake", "policy", "warning"]
