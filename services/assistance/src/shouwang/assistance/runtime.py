"""The running assistance service, typed by its settings."""

from shouwang.assistance.config import AssistanceSettings
from shouwang.common.service import ServiceRuntime

AssistanceRuntime = ServiceRuntime[AssistanceSettings]
