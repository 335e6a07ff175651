"""Shared fixtures for every test directory: one running instance of each service per run."""

import importlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
from shouwang.common.clock import SHANGHAI, FixedClock
from shouwang.common.testing.fixtures import running_app

# Inside November's push window (5th–15th): most tests push "now".
DEFAULT_NOW = datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)
_CLOCK = FixedClock(DEFAULT_NOW)


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    """The clock every service under test reads; reset after each test."""
    yield _CLOCK
    _CLOCK.set(DEFAULT_NOW)


@asynccontextmanager
async def _service(
    name: str, settings_class: str, make_settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Run `shouwang.<name>` in-process (relay and consumers live) on the shared clock."""
    settings_cls = getattr(importlib.import_module(f"shouwang.{name}.config"), settings_class)
    create_app = importlib.import_module(f"shouwang.{name}.main").create_app
    async with running_app(
        create_app(make_settings(settings_cls), clock=_CLOCK), f"http://{name}"
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def warning_client(make_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _service("warning", "WarningSettings", make_settings) as client:
        yield client


@pytest.fixture(scope="session")
async def intake_client(make_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _service("intake", "IntakeSettings", make_settings) as client:
        yield client


@pytest.fixture(scope="session")
async def assistance_client(make_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _service("assistance", "AssistanceSettings", make_settings) as client:
        yield client


@pytest.fixture(scope="session")
async def audit_client(make_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _service("audit", "AuditSettings", make_settings) as client:
        yield client


@pytest.fixture(scope="session")
async def policy_client(make_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _service("policy", "PolicySettings", make_settings) as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run `slow` cases last: a 100k-item push leaves consumers a backlog others would wait on."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)
