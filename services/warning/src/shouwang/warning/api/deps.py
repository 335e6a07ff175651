"""Annotated dependencies of the warning API."""

from shouwang.common.service import RuntimeDep as RuntimeDep
