"""Annotated dependencies of the policy API, and invalid settings as a 422 failure."""

from typing import Annotated

from fastapi import Depends
from shouwang.common.failures import Invalid, validation_failed
from shouwang.common.policy.validation import PolicyInvalid
from shouwang.common.service import current_runtime
from shouwang.policy.runtime import PolicyRuntime


def invalid(exc: PolicyInvalid, *, prefix: str) -> Invalid:
    """The 422 of invalid settings or calendar data, each detail naming its field."""
    details = [{"field": f"{prefix}{p.field}", "code": p.code, "message": p.message}
               for p in exc.problems]  # fmt: skip
    return validation_failed(details)


RuntimeDep = Annotated[PolicyRuntime, Depends(current_runtime)]
