"""Annotated dependencies of the assistance API."""

from shouwang.common.service import RuntimeDep as RuntimeDep
