"""The service's notion of now and today: the runtime clock, read in Asia/Shanghai."""

from datetime import date, datetime

from shouwang.common.clock import SHANGHAI
from shouwang.common.service import ServiceRuntime


def local_now(runtime: ServiceRuntime) -> datetime:
    """Now, in Asia/Shanghai."""
    return runtime.clock.now().astimezone(SHANGHAI)


def today(runtime: ServiceRuntime) -> date:
    """Today's date in Asia/Shanghai."""
    return local_now(runtime).date()
