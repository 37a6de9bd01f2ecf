"""The Kubernetes manifests (``deploy/kubernetes``): valid for a current Kubernetes, consistent
with each other and with Sluice's settings, and played for real with ``podman play kube``.

The validation tests need nothing but the manifests and always run; the played one needs podman
and the images (``tests/containers/support.py``).
"""

from __future__ import annotations

import copy
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from sluice_indexer.settings import IndexerSettings
from sluice_manager.settings import ManagerSettings
from tests.containers import support
from tests.containers.support import podman

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
# The newest release kubernetes-validate carries schemas for, and the oldest still supported
# upstream when these manifests were written: both must accept them.
KUBERNETES_VERSIONS = ("1.37", "1.34")
WORKLOAD_KINDS = {"Deployment", "Job"}


def _documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


DOCUMENTS = _documents()


def _named(kind: str, name: str) -> dict[str, Any]:
    found = [d for _, d in DOCUMENTS if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _workloads() -> Iterator[dict[str, Any]]:
    return (d for _, d in DOCUMENTS if d["kind"] in WORKLOAD_KINDS)


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        assert expr["operator"] == "In", expr
        if labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    "document", DOCUMENTS, ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in DOCUMENTS]
)
def test_manifest_is_valid_kubernetes_strictly(
    document: tuple[str, dict[str, Any]], version: str
) -> None:
    # validate() raises on a schema violation, an unknown field (strict) and an unknown kind or
    # apiVersion alike (the command line only warns about the last).
    assert kubernetes_validate.validate(document[1], version, strict=True) == version


def test_strict_validation_refuses_an_unknown_field() -> None:
    deployment = _named("Deployment", "sluice-manager")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_the_schemas_include_the_version_tested() -> None:
    assert kubernetes_validate.latest_version() >= KUBERNETES_VERSIONS[0]


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    files = {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    images = {i["name"] for i in kustomization["images"]}
    used = {c["image"].split(":")[0] for w in _workloads() for c in _containers(w)}
    assert used <= images


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = _pod_spec(workload)["containers"]
    return containers


def test_selectors_match_the_pods_they_govern() -> None:
    for workload in _workloads():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        if workload["kind"] == "Deployment":
            assert _matches(workload["spec"]["selector"], labels), workload["metadata"]["name"]
    manager = _named("Deployment", "sluice-manager")["spec"]["template"]["metadata"]["labels"]
    indexer = _named("Deployment", "sluice-indexer")["spec"]["template"]["metadata"]["labels"]
    assert _matches(
        {"matchLabels": _named("Service", "sluice-manager")["spec"]["selector"]}, manager
    )
    assert _matches(_named("PodDisruptionBudget", "sluice-manager")["spec"]["selector"], manager)
    assert _matches(_named("PodDisruptionBudget", "sluice-indexer")["spec"]["selector"], indexer)
    assert not _matches(
        _named("PodDisruptionBudget", "sluice-manager")["spec"]["selector"], indexer
    )
    hpa = _named("HorizontalPodAutoscaler", "sluice-indexer")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "sluice-indexer",
    }
    # The autoscaler owns the count; a replicas field would reset it on every apply.
    assert "replicas" not in _named("Deployment", "sluice-indexer")["spec"]
    assert hpa["minReplicas"] >= 2


def test_managers_are_redundant_and_probed_on_health() -> None:
    deployment = _named("Deployment", "sluice-manager")
    assert deployment["spec"]["replicas"] >= 2
    assert _named("PodDisruptionBudget", "sluice-manager")["spec"]["minAvailable"] >= 1
    (container,) = _containers(deployment)
    assert container["args"] == ["manager"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    # /health includes the database: liveness must not, or an outage restarts every replica.
    assert "httpGet" not in container["livenessProbe"]
    port = container["ports"][0]
    service_port = _named("Service", "sluice-manager")["spec"]["ports"][0]
    assert service_port["targetPort"] in (port["name"], port["containerPort"])
    config = _named("ConfigMap", "sluice")["data"]
    assert int(config["SLUICE_PORT"]) == port["containerPort"]
    assert config["SLUICE_HOST"] == "0.0.0.0"


def test_every_container_is_locked_down_and_bounded() -> None:
    for workload in _workloads():
        pod = _pod_spec(workload)
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        # Kubernetes' service links would put SLUICE_MANAGER_* variables into the settings' prefix.
        assert pod["enableServiceLinks"] is False, name
        mounted = set()
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), name
            assert "memory" in resources["limits"], name
            mounted |= {m["mountPath"] for m in container["volumeMounts"]}
        # The one writable place the processes are told about, and /tmp.
        assert {_named("ConfigMap", "sluice")["data"]["SLUICE_DATA_DIR"], "/tmp"} <= mounted, name


def test_environment_names_real_settings_and_existing_secret_keys() -> None:
    secret = _named("Secret", "sluice")["stringData"]
    known = {
        "manager": {f"SLUICE_{n.upper()}" for n in ManagerSettings.model_fields},
        "migrate": {f"SLUICE_{n.upper()}" for n in ManagerSettings.model_fields},
        "indexer": {f"SLUICE_{n.upper()}" for n in IndexerSettings.model_fields},
    }
    config = set(_named("ConfigMap", "sluice")["data"])
    assert config <= known["manager"]
    for workload in _workloads():
        component = workload["spec"]["template"]["metadata"]["labels"][
            "app.kubernetes.io/component"
        ]
        for container in _containers(workload):
            names = {e["name"] for e in container.get("env", [])}
            assert names <= known[component], (component, names - known[component])
            for entry in container.get("env", []):
                ref = entry["valueFrom"]["secretKeyRef"]
                assert ref["name"] == "sluice"
                assert ref["key"] in secret, ref
    manager_env = {e["name"] for e in _containers(_named("Deployment", "sluice-manager"))[0]["env"]}
    # Without these a manager with an external database refuses to start, or generates a
    # credential key of its own per replica (which the others could not read).
    assert {
        "SLUICE_DATABASE_URL",
        "SLUICE_ADMIN_TOKEN",
        "SLUICE_CONNECTOR_TOKEN",
        "SLUICE_SECRET_KEY",
    } <= manager_env


def test_migration_job_runs_migrate_with_the_database_url() -> None:
    job = _named("Job", "sluice-migrate")
    (container,) = _containers(job)
    assert container["args"] == ["migrate"]
    assert {e["name"] for e in container["env"]} == {"SLUICE_DATABASE_URL"}
    assert _pod_spec(job)["restartPolicy"] in ("OnFailure", "Never")


def _allowed(policy: dict[str, Any], direction: str, port: int) -> bool:
    for rule in policy["spec"].get(direction, []):
        ports = rule.get("ports")
        if ports is None or any(p["port"] == port for p in ports):
            return True
    return False


def _policies_for(labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        d
        for _, d in DOCUMENTS
        if d["kind"] == "NetworkPolicy" and _matches(d["spec"]["podSelector"], labels)
    ]


def test_network_policy_opens_exactly_what_each_process_uses() -> None:
    def labels(kind: str, name: str) -> dict[str, str]:
        result: dict[str, str] = _named(kind, name)["spec"]["template"]["metadata"]["labels"]
        return result

    manager = _policies_for(labels("Deployment", "sluice-manager"))
    indexer = _policies_for(labels("Deployment", "sluice-indexer"))
    migrate = _policies_for(labels("Job", "sluice-migrate"))
    # The default deny selects every pod.
    assert all(len(p) >= 2 for p in (manager, indexer, migrate))
    assert any(_allowed(p, "ingress", 8090) for p in manager)
    assert any(_allowed(p, "egress", 5432) for p in manager)
    for policies in (indexer, migrate):
        assert not any(_allowed(p, "ingress", 8090) for p in policies)
        assert any(_allowed(p, "egress", 5432) for p in policies)
        assert any(_allowed(p, "egress", 53) for p in policies)
        assert not any(_allowed(p, "egress", 443) for p in policies)


# --- played with podman -------------------------------------------------------------------------


def render_for_podman(image: str, env: dict[str, str], prefix: str) -> list[dict[str, Any]]:
    """The manager and indexer Deployments as a cluster would run them, with the local image and
    the Secret's and ConfigMap's values written in (podman 4.3 reads neither from the same file),
    no host ports, and volume names that start with ``prefix``."""
    config = _named("ConfigMap", "sluice")["data"]
    rendered = []
    for name in ("sluice-manager", "sluice-indexer"):
        deployment = copy.deepcopy(_named("Deployment", name))
        for container in _containers(deployment):
            container["image"] = image
            container["imagePullPolicy"] = "Never"
            # podman 4.3 publishes a containerPort on the host as well (a cluster does not): the
            # test reaches the pod at its own address instead, and probes name the port by number.
            ports = {p["name"]: p["containerPort"] for p in container.pop("ports", [])}
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                for check in container.get(probe, {}).values():
                    if isinstance(check, dict) and check.get("port") in ports:
                        check["port"] = ports[check["port"]]
            values = {**config}
            for entry in container.pop("env"):
                values[entry["name"]] = env[entry["valueFrom"]["secretKeyRef"]["key"]]
            del container["envFrom"]
            container["env"] = [{"name": k, "value": v} for k, v in sorted(values.items())]
            for mount in container["volumeMounts"]:
                mount["name"] = f"{prefix}-{mount['name']}"
        # podman 4.3 makes an emptyDir a named volume, shared by every pod naming it: a prefix
        # keeps this test's volumes its own.
        for volume in _pod_spec(deployment)["volumes"]:
            volume["name"] = f"{prefix}-{volume['name']}"
        rendered.append(deployment)
    return rendered


@pytest.fixture
def kube_play(images: object, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    network = f"sluicekube{uuid.uuid4().hex[:8]}"
    postgres = f"{network}-postgres"
    manifest = tmp_path / "sluice.yaml"
    podman("network", "create", network)
    try:
        podman(
            "run",
            "-d",
            "--name",
            postgres,
            "--network",
            network,
            "-e",
            "POSTGRES_USER=sluice",
            "-e",
            "POSTGRES_PASSWORD=kube",
            "-e",
            "POSTGRES_DB=sluice",
            support.POSTGRES_IMAGE,
            "-c",
            "fsync=off",
        )
        # On TCP only once initialised (the entry point's set-up server listens on no port).
        ready = ("exec", postgres, "pg_isready", "-h", "127.0.0.1", "-U", "sluice")
        deadline = time.monotonic() + 60
        while podman(*ready, check=False).returncode != 0:
            assert time.monotonic() < deadline, support.Container(postgres).logs()
            time.sleep(0.3)
        env = {
            "database-url": f"postgresql://sluice:kube@{postgres}:5432/sluice",
            "admin-token": "kube-admin",
            "connector-token": "kube-connector",
            "secret-key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        }
        manifest.write_text(
            yaml.safe_dump_all(render_for_podman(support.SERVER_IMAGE, env, network))
        )
        yield manifest, network
    finally:
        podman("kube", "down", str(manifest), check=False)
        volumes = podman("volume", "ls", "-q", "--filter", f"name={network}", check=False)
        for volume in volumes.stdout.split():
            podman("volume", "rm", "-f", volume, check=False)
        podman("rm", "-f", "-v", "-t", "0", postgres, check=False)
        podman("network", "rm", "-f", network, check=False)


def _pod_containers(deployment: str) -> list[str]:
    """The containers of the pods podman made for a Deployment: ``<name>-pod-<n>-<container>``."""
    listed = podman("ps", "-a", "--format", "{{.Names}}").stdout.split()
    return sorted(n for n in listed if n.startswith(f"{deployment}-pod-"))


def test_podman_plays_the_manager_and_indexer_deployments(
    kube_play: tuple[Path, str],
) -> None:
    manifest, network = kube_play
    # Managers and indexers migrate at start (under a lock), so no ordering against the Job.
    podman("kube", "play", "--network", network, str(manifest))
    managers = _pod_containers("sluice-manager")
    # podman plays the Deployment's replicas: two managers, each healthy, one of them leading.
    assert len(managers) == _named("Deployment", "sluice-manager")["spec"]["replicas"]
    for manager in managers:
        address = podman(
            "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", manager
        ).stdout.strip()
        deadline = time.monotonic() + 90
        while not _answers(f"http://{address}:8090/health"):
            assert time.monotonic() < deadline, support.Container(manager).logs()[-3000:]
            time.sleep(0.5)
    (indexer,) = _pod_containers("sluice-indexer")
    deadline = time.monotonic() + 60
    while '"indexer_started"' not in support.Container(indexer).logs():
        assert time.monotonic() < deadline, support.Container(indexer).logs()[-3000:]
        time.sleep(0.5)
    deadline = time.monotonic() + 30
    while not any('"leadership_acquired"' in support.Container(m).logs() for m in managers):
        assert time.monotonic() < deadline, "no manager leads"
        time.sleep(0.5)
    # The pod spec's lockdown holds in a real engine: uid 10001, read-only root, writable /tmp
    # and data directory.
    for container in (*managers, indexer):
        assert podman("exec", container, "id", "-u").stdout.strip() == "10001"
        assert podman("exec", container, "touch", "/home/sluice/x", check=False).returncode
        podman("exec", container, "touch", "/tmp/x", "/var/lib/sluice/x")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False
