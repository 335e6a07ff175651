"""Annotated dependencies of the intake API."""

from shouwang.common.service import RuntimeDep as RuntimeDep
