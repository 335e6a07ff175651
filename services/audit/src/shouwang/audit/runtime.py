"""The running audit service, typed by its settings."""

from shouwang.audit.config import AuditSettings
from shouwang.common.service import ServiceRuntime

AuditRuntime = ServiceRuntime[AuditSettings]
