"""The running warning service, typed by its settings."""

from shouwang.common.service import ServiceRuntime
from shouwang.warning.config import WarningSettings

WarningRuntime = ServiceRuntime[WarningSettings]
