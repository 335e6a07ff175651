"""The service's notion of now and today: the runtime clock, read in Asia/Shanghai."""

from datetime import date, datetime

from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.common.clock import SHANGHAI


def local_now(runtime: AssistanceRuntime) -> datetime:
    """Now, in Asia/Shanghai."""
    return runtime.clock.now().astimezone(SHANGHAI)


def today(runtime: AssistanceRuntime) -> date:
    """Today's date in Asia/Shanghai."""
    return local_now(runtime).date()
