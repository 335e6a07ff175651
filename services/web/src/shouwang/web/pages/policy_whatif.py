"""政策调整模拟: a proposed line, lifted average or threshold evaluated against recorded data.

The policy service computes it (POST …/what-if) and changes nothing live; the form is a GET, so
a simulation is a link that can be shared and downloaded again as the service's XLSX. The service
simulates a change of the caller's own layer only: a county its county, a province its province.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from shouwang.web import policy_labels
from shouwang.web.client import UpstreamError, seg
from shouwang.web.pages.downloads import passthrough
from shouwang.web.pages.policy import POLICY, day_of, region_name
from shouwang.web.policy_form import GENERAL, differs, parse_number
from shouwang.web.render import page
from shouwang.web.session import PolicySession, UserSession
from starlette.responses import Response

router = APIRouter(prefix="/policy", include_in_schema=False)
LINES = ("monitoring_line_yuan", "lifted_average_yuan")
FIELDS = (*LINES, "threshold", "threshold_minimum")


@dataclass(frozen=True)
class Simulation:
    region: str
    on: date
    current: dict[str, Any]  # the effective settings (API shape)
    query: dict[str, str]
    settings: dict[str, Any]  # the proposal: what differs from the effective values


def thresholds(current: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(indicator|key, label with the current minimum) of every threshold in force."""
    return [
        (f"{ind}|{key}", f"{policy_labels.threshold_name(ind, key)}（现行 ≥ "
                         f"{policy_labels.number(minimum)}）")
        for ind, entry in (current.get("indicator_thresholds") or {}).items()
        for key, minimum in (entry.get("value") or {}).items()
    ]  # fmt: skip


def proposed(current: Mapping[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    """The settings the form proposes: each that differs from the effective value."""
    result: dict[str, Any] = {}
    for name in LINES:
        value = parse_number(query.get(name))
        if value is not None and differs(value, (current.get(name) or {}).get("value")):
            result[name] = value
    indicator, _, key = query.get("threshold", "").partition("|")
    minimum = parse_number(query.get("threshold_minimum"))
    entry = (current.get("indicator_thresholds") or {}).get(indicator)
    if entry and key and minimum is not None:
        minimums = dict(entry.get("value") or {})
        if differs(minimum, minimums.get(key)):
            result["indicator_thresholds"] = {indicator: {**minimums, key: minimum}}
    return result


async def _simulation(request: Request, session: UserSession) -> Simulation:
    query = {k: v.strip() for k, v in request.query_params.items()}
    region = session.principal.scope
    on, _ = day_of(request, query.get("on"))
    found = await session.api.get("policy", f"{POLICY}/{seg(region)}", on=on.isoformat())
    current = found["settings"]
    return Simulation(region, on, current, query, proposed(current, query))


def _errors(exc: UpstreamError) -> dict[str, str]:
    details = exc.details if isinstance(exc.details, list) else []
    errors: dict[str, str] = {}
    for d in [d for d in details if isinstance(d, dict)] or [{"field": exc.field}]:
        field = str(d.get("field") or "").removeprefix("settings.")
        name = "threshold_minimum" if field.startswith("indicator_thresholds") else field
        name = name if name in (*FIELDS, "on") else GENERAL
        errors.setdefault(name, str(d.get("message") or exc.message))
    return errors


@router.get("/what-if")
async def what_if(request: Request, session: PolicySession) -> Response:
    """The form, and when run, what would change per township, household and item."""
    sim = await _simulation(request, session)
    result, errors = None, {}
    if "run" in sim.query and not sim.settings:
        errors[GENERAL] = "请至少修改一项：监测线、脱贫人口平均收入或一个预警指标阈值"
    elif sim.settings:
        body = {"settings": sim.settings, "on": sim.on.isoformat()}
        try:
            result = await session.api.post("policy", f"{POLICY}/{seg(sim.region)}/what-if", body)
        except UpstreamError as exc:
            if exc.status == 401:
                raise
            errors = _errors(exc) if exc.status == 422 else {GENERAL: exc.message}
    form = {n: str((sim.current.get(n) or {}).get("value", "")) for n in LINES} | sim.query
    return page(
        request,
        "policy_whatif.html",
        {
            "P": policy_labels,
            "region": sim.region,
            "region_name": region_name(sim.region),
            "on": sim.on,
            "form": {k: _plain(v) for k, v in form.items()},
            "thresholds": thresholds(sim.current),
            "result": result,
            "errors": errors,
            "query": request.url.query,
        },
        status=422 if errors else 200,
    )


def _plain(value: str) -> str:
    return value.removesuffix(".0") if value.endswith(".0") else value


@router.get("/what-if.xlsx")
async def what_if_xlsx(request: Request, session: PolicySession) -> Response:
    """The service's sheet of the same simulation, streamed through."""
    sim = await _simulation(request, session)
    if not sim.settings:
        return page(request, "error.html", {"message": "请先提出要模拟的调整"}, status=422)
    body = {"settings": sim.settings, "on": sim.on.isoformat()}
    path = f"{POLICY}/{seg(sim.region)}/what-if"
    return await passthrough(session.api, "policy", path, body=body, format="xlsx")
