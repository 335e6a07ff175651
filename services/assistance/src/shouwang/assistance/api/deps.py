"""Annotated dependencies of the assistance API."""

from typing import Annotated

from fastapi import Depends
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.common.service import current_runtime

RuntimeDep = Annotated[AssistanceRuntime, Depends(current_runtime)]
