"""Offline checks of deploy/monitoring: the PrometheusRule is well-formed and the dashboard JSON
parses, and every expression in either names only metrics the code actually exports."""

import json
import re
from pathlib import Path
from typing import Any

import shouwang.common.http_metrics
import shouwang.common.kafka.consumer
import shouwang.common.ops_metrics
import shouwang.common.periodic  # noqa: F401 - each module registers its metrics on import
import yaml
from prometheus_client import REGISTRY

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
METRIC = re.compile(r"\b((?:shouwang|http)_[a-z0-9_]+)\b")
DURATION = re.compile(r"^\d+[smhd]$")
REQUIRED_ALERTS = {"OutboxBacklogAging", "ConsumerLagHigh", "DeadLettersGrowing", "Http5xxRate",
                   "TasksOverdue"}  # fmt: skip


def exported() -> set[str]:
    """Every sample name the code's metrics expose (counters' _total, histograms' _bucket...)."""
    names = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names |= {f"{family.name}{suffix}" for suffix in
                  ("_total", "_bucket", "_count", "_sum", "_created")}  # fmt: skip
    return names


def assert_names_exported(expr: str, where: str) -> None:
    used = set(METRIC.findall(expr))
    assert used, f"{where}: the expression names no metric of ours: {expr}"
    assert used <= exported(), f"{where}: not exported by the code: {used - exported()}"
    for pair in ("()", "{}", "[]"):
        assert expr.count(pair[0]) == expr.count(pair[1]), f"{where}: unbalanced {pair}"


def rules() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((MONITORING / "prometheus-rules.yaml").read_text())
    return doc


def test_prometheus_rule_is_well_formed_and_covers_the_alerts():
    doc = rules()
    assert (doc["apiVersion"], doc["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    assert doc["metadata"]["name"]
    alerts = set()
    for group in doc["spec"]["groups"]:
        assert group["name"] and group["rules"], "every group is named and has rules"
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert DURATION.match(rule["for"]), f"{rule['alert']}: bad duration"
            assert rule["labels"]["severity"] in {"info", "warning", "critical"}
            assert rule["annotations"]["summary"]
            assert_names_exported(rule["expr"], rule["alert"])
            alerts.add(rule["alert"])
    assert alerts >= REQUIRED_ALERTS


def test_dashboard_parses_and_every_panel_queries_exported_metrics():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in dashboard["panels"]:
        assert panel["targets"], f"panel {panel['title']} queries nothing"
        for target in panel["targets"]:
            assert_names_exported(target["expr"], panel["title"])


def test_the_check_catches_a_metric_the_code_does_not_export():
    try:
        assert_names_exported("sum(rate(shouwang_no_such_metric_total[5m]))", "mistake")
    except AssertionError as exc:
        assert "shouwang_no_such_metric_total" in str(exc)
    else:
        raise AssertionError("an unknown metric must be refused")
