"""Annotated dependencies of the assistance API."""

from typing import Annotated

from fastapi import Depends, Request
from shouwang.common.service import ServiceRuntime


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(_runtime)]
