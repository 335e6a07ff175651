"""Annotated dependencies of the intake API."""

from typing import Annotated

from fastapi import Depends
from shouwang.common.service import current_runtime
from shouwang.intake.runtime import IntakeRuntime

RuntimeDep = Annotated[IntakeRuntime, Depends(current_runtime)]
