"""The running intake service, typed by its settings."""

from shouwang.common.service import ServiceRuntime
from shouwang.intake.config import IntakeSettings

IntakeRuntime = ServiceRuntime[IntakeSettings]
