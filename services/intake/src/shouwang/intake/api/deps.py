"""Annotated dependencies of the intake API."""

from typing import Annotated

from fastapi import Depends, Request
from shouwang.common.service import current_runtime
from shouwang.intake.runtime import IntakeRuntime
from shouwang.intake.service.deadlines import PromiseCache


async def promise_cache(request: Request) -> PromiseCache:
    """The app's cache of promised dates (async: a sync dependency would hop to the threadpool)."""
    cache: PromiseCache = request.app.state.promises
    return cache


RuntimeDep = Annotated[IntakeRuntime, Depends(current_runtime)]
PromisesDep = Annotated[PromiseCache, Depends(promise_cache)]
