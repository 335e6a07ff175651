"""Schemathesis case generation (seeded, bounded) and the checks every response must pass."""

from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

SKIP_SUFFIXES = ("/stream",)  # server-sent events never end: covered by their own tests


@dataclass
class FuzzReport:
    """What the fuzzer sent and what went wrong."""

    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def record(self, label: str, resp: httpx.Response) -> None:
        """Count a response and note any broken promise (5xx, 4xx without the error model)."""
        self.requests += 1
        self.statuses[resp.status_code] = self.statuses.get(resp.status_code, 0) + 1
        problem = response_problem(resp)
        if problem:
            self.failures.append(f"{label} -> {resp.status_code} {problem}: {resp.text[:200]}")


def response_problem(resp: httpx.Response) -> str | None:
    """Why a response breaks the contract, or None."""
    if resp.status_code >= 500:
        return "server error"
    if 400 <= resp.status_code < 500:
        try:
            error = resp.json()["error"]
        except (ValueError, KeyError, TypeError):
            return "4xx without the error model"
        if not (isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
            return "error model lacks code/message"
    return None


def operations(app: Any) -> list[Any]:
    """Every documented operation of an app, except event streams."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    ops = [result.ok() for result in schema.get_all_operations()]
    return [op for op in ops if not op.path.endswith(SKIP_SUFFIXES)]


def generate(op: Any, mode: GenerationMode, count: int, **fixed: Any) -> list[Any]:
    """Up to `count` cases of an operation, derandomized so every run sends the same requests."""
    cases: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(op.as_strategy(generation_mode=mode, **fixed))
    def collect(case: Any) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:  # e.g. negative mode on an operation with nothing to get wrong
        pass
    return cases


def request_kwargs(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """The case as httpx.request keyword arguments, with the given Authorization."""
    kw = case.as_transport_kwargs(base_url="http://fuzz")
    sent = {k: v for k, v in (kw.get("headers") or {}).items() if k.lower() != "authorization"}
    out: dict[str, Any] = {
        "method": kw["method"],
        "url": kw["url"].removeprefix("http://fuzz"),
        "params": kw.get("params") or None,
        "headers": {**sent, **headers},
    }
    if "json" in kw:
        out["json"] = kw["json"]
    data = kw.get("data")
    if isinstance(data, bytes | str):
        out["content"] = data
    elif data:
        out["data"] = data
    if kw.get("files"):
        out["files"] = kw["files"]
    return out
