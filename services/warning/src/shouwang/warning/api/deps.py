"""Annotated dependencies of the warning API."""

from typing import Annotated

from fastapi import Depends
from shouwang.common.service import current_runtime
from shouwang.warning.runtime import WarningRuntime

RuntimeDep = Annotated[WarningRuntime, Depends(current_runtime)]
