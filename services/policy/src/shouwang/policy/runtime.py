"""The running policy service, typed by its settings."""

from shouwang.common.service import ServiceRuntime
from shouwang.policy.config import PolicySettings

PolicyRuntime = ServiceRuntime[PolicySettings]
