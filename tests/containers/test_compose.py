"""The compose stack (``docker/compose.yaml`` + ``docker/compose.podman.yaml``) run for real with
podman-compose: Postgres, migrations, two managers behind HAProxy, two indexers, the filesystem
connector over a mounted folder.

A source syncs and is searchable through the proxy and through each manager; the leader manager's
container is killed and the other takes over the scheduler; an indexer container is killed while
it holds a batch and nothing is lost. A test-only override file (written here) publishes the
ports the checks use and shortens the intervals they would otherwise wait for.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import yaml

from tests.containers import support
from tests.support.http import free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = (ROOT / "docker" / "compose.yaml", ROOT / "docker" / "compose.podman.yaml")
PODMAN_COMPOSE = str(Path(sys.executable).with_name("podman-compose"))
PROXY_IMAGE = "localhost/sluice-haproxy:local"
PASSWORD = "compose-test-password"
ADMIN_TOKEN = "compose-test-admin"
CONNECTOR_TOKEN = "compose-test-connector"
SECRET_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # base64 of 32 bytes
PHRASE = "wombat cartography festival"
BIG_FILES = 1200
# Leadership (protocol §9.1): a session advisory lock on keys (3, 0) (sql/queries/locks.sql).
LEADER_ADDRESS = """
SELECT host(a.client_addr) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.classid = 3 AND l.objid = 0 AND l.granted
"""
TEST_OVERRIDE = """
services:
  postgres:
    command: ["-c", "fsync=off"]
    ports: ["127.0.0.1:{pg}:5432"]
  manager-1:
    ports: ["127.0.0.1:{m1}:8090"]
    environment: &fast
      SLUICE_SCHEDULER_INTERVAL_SECONDS: "1"
      SLUICE_LEADER_RETRY_SECONDS: "1"
      SLUICE_LOG_LEVEL: info
  manager-2:
    ports: ["127.0.0.1:{m2}:8090"]
    environment: *fast
  indexer:
    environment:
      SLUICE_CLAIM_BATCH_SIZE: "50"
      SLUICE_QUEUE_VISIBILITY_TIMEOUT_SECONDS: "3"
      SLUICE_VISIBILITY_SWEEP_INTERVAL_SECONDS: "1"
"""


# --- the files, without podman ----------------------------------------------------------------


class _ComposeLoader(yaml.SafeLoader):
    """Reads Compose's ``!reset`` tag (an override that empties a value) as that empty value."""


_ComposeLoader.add_constructor(
    "!reset", lambda loader, node: {} if isinstance(node, yaml.MappingNode) else []
)


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_ComposeLoader)
    return loaded


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_files_follow_the_compose_specification(path: Path, tmp_path: Path) -> None:
    resolved = tmp_path / path.name
    resolved.write_text(yaml.safe_dump(_load(path)))
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(resolved)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_podman_override_only_adapts() -> None:
    base, override = (_load(p) for p in COMPOSE_FILES)
    assert set(override["services"]) <= set(base["services"])
    for name, service in override["services"].items():
        # What podman needs (docker/compose.podman.yaml says why); any other key is a fork.
        assert set(service) <= {"ulimits", "deploy"}, name
    assert override["services"]["indexer"]["deploy"] == {
        **base["services"]["indexer"]["deploy"],
        "mode": "replicated",
    }


def test_the_stack_has_the_shape_users_are_promised() -> None:
    services = _load(COMPOSE_FILES[0])["services"]
    managers = [s for s in services.values() if s.get("command") == ["manager"]]
    assert len(managers) == 2
    assert services["indexer"]["deploy"]["replicas"] == 2
    proxy = services["proxy"]["environment"]
    assert {proxy["SLUICE_MANAGER_1"], proxy["SLUICE_MANAGER_2"]} == {
        "manager-1:8090",
        "manager-2:8090",
    }
    # Only the managers hold the admin token and the credential key; every manager the same.
    for name, service in services.items():
        env = service.get("environment", {})
        holds = "SLUICE_SECRET_KEY" in env or "SLUICE_ADMIN_TOKEN" in env
        assert holds == (service.get("command") == ["manager"]), name
    assert len({json.dumps(s["environment"], sort_keys=True) for s in managers}) == 1
    assert services["filesystem-connector"]["environment"]["SLUICE_MANAGER_URL"] == (
        "http://proxy:8090"
    )


# --- the stack, run ---------------------------------------------------------------------------


@dataclass
class Stack:
    project: str
    files: tuple[Path, ...]
    env: dict[str, str]
    proxy: str
    managers: dict[str, str]  # service -> base URL
    db_url: str

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [PODMAN_COMPOSE, "-p", self.project]
        for f in self.files:
            command += ["-f", str(f)]
        result = subprocess.run(
            [*command, *args], env=self.env, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"podman-compose {' '.join(args)}: {result.stderr[-4000:]}")
        return result

    def container(self, service: str, number: int = 1) -> str:
        return f"{self.project}_{service}_{number}"

    def podman(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return support.podman(*args, check=check)

    def address(self, container: str) -> str:
        out = self.podman(
            "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container
        )
        return out.stdout.strip()

    def logs(self, container: str) -> str:
        return support.Container(container).logs()

    def up(self, *services: str) -> None:
        self.compose("up", "-d", "--no-deps", "--no-build", *services)


def _wait(predicate: Any, what: str, *watch: str, timeout: float = 90) -> Any:
    """Poll until ``predicate()`` is truthy; on timeout fail with the logs of ``watch``."""
    return support.eventually(
        lambda: predicate() or None, timeout, what, *(support.Container(c) for c in watch)
    )


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=5) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _folder(tmp: Path) -> Path:
    files = tmp / "files"
    (files / "small").mkdir(parents=True)
    (files / "big").mkdir()
    (files / "small" / "notes.md").write_text(f"# Notes\n\nThe {PHRASE} starts at dawn.\n")
    (files / "small" / "other.md").write_text("# Other\n\nNothing about marsupials here.\n")
    for i in range(BIG_FILES):
        (files / "big" / f"doc{i:05d}.txt").write_text(
            f"Document {i} about river silt and token{i:05d}. " * 20
        )
    # The connector runs as an unprivileged user.
    for path in [files, *files.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return files


@pytest.fixture(scope="module")
def stack(images: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("compose")
    ports = {"pg": free_port(), "m1": free_port(), "m2": free_port(), "proxy": free_port()}
    override = tmp / "compose.test.yaml"
    override.write_text(TEST_OVERRIDE.format(**ports))
    env = {
        **support.podman_env(),
        "POSTGRES_PASSWORD": PASSWORD,
        "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_SECRET_KEY": SECRET_KEY,
        "SLUICE_IMAGE": support.SERVER_IMAGE,
        "SLUICE_FILESYSTEM_CONNECTOR_IMAGE": support.connector_image("filesystem"),
        "SLUICE_POSTGRES_IMAGE": support.POSTGRES_IMAGE,
        "SLUICE_PROXY_IMAGE": _proxy_image(),
        "SLUICE_PUBLISH": f"127.0.0.1:{ports['proxy']}",
        "SLUICE_FILES": str(_folder(tmp)),
    }
    stack = Stack(
        project=f"sluicetest{uuid.uuid4().hex[:8]}",
        files=(*COMPOSE_FILES, override),
        env=env,
        proxy=f"http://127.0.0.1:{ports['proxy']}",
        managers={
            "manager-1": f"http://127.0.0.1:{ports['m1']}",
            "manager-2": f"http://127.0.0.1:{ports['m2']}",
        },
        db_url=f"postgresql://sluice:{PASSWORD}@127.0.0.1:{ports['pg']}/sluice",
    )
    try:
        _start_in_dependency_order(stack)
        yield stack
    finally:
        _tear_down(stack, tmp)


def _proxy_image() -> str:
    """HAProxy from Debian's package on the Debian base docker/base/build.sh used (no registry
    here to pull the official image from); podman's layer cache makes a rebuild instant."""
    official = "docker.io/library/debian:bookworm-slim"
    exists = support.podman("image", "exists", official, check=False).returncode == 0
    debian = official if exists else "localhost/sluice-debian:bookworm"
    proxy = ROOT / "docker" / "proxy"
    support.podman(
        "build", "--network", "host", "--build-arg", f"DEBIAN={debian}", "-t", PROXY_IMAGE,
        "-f", str(proxy / "Containerfile"), str(proxy), timeout=600,
    )  # fmt: skip
    return PROXY_IMAGE


def _start_in_dependency_order(stack: Stack) -> None:
    # podman 4.3 runs no healthchecks and podman-compose then skips service_healthy: start each
    # service once what it depends on is ready (docker/compose.podman.yaml).
    stack.up("postgres")
    _wait(lambda: _pg_ready(stack.db_url), "postgres", stack.container("postgres"))
    stack.up("migrate")
    exit_code = stack.podman("wait", stack.container("migrate")).stdout.strip()
    assert exit_code == "0", stack.logs(stack.container("migrate"))
    stack.up("manager-1", "manager-2")
    for service, url in stack.managers.items():
        _wait(lambda url=url: _healthy(url), f"{service} /health", stack.container(service))
    stack.up("proxy", "indexer", "filesystem-connector")
    _wait(lambda: _healthy(stack.proxy), "the proxy", stack.container("proxy"))
    _wait(
        lambda: _connector_online(stack),
        "the filesystem connector's registration",
        stack.container("filesystem-connector"),
    )


def _pg_ready(url: str) -> bool:
    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(url, timeout=3)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def _connector_online(stack: Stack) -> bool:
    request = urllib.request.Request(
        stack.proxy + "/api/connectors", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            connectors = json.load(resp)
    except (urllib.error.URLError, OSError):
        return False
    return any(c["online"] and "filesystem" in c["source_types"] for c in connectors)


def _tear_down(stack: Stack, tmp: Path) -> None:
    for container in stack.podman(
        "ps",
        "-a",
        "--filter",
        f"label=io.podman.compose.project={stack.project}",
        "--format",
        "{{.Names}}",
        check=False,
    ).stdout.split():
        (tmp / f"{container}.log").write_text(stack.logs(container))
    stack.compose("down", "-v", "-t", "5", check=False)
    # Whatever down left (a container restarted meanwhile, the pod, the network).
    stack.podman(
        "rm",
        "-f",
        "-t",
        "0",
        "--filter",
        f"label=io.podman.compose.project={stack.project}",
        check=False,
    )
    stack.podman("pod", "rm", "-f", f"pod_{stack.project}", check=False)
    stack.podman("network", "rm", "-f", f"{stack.project}_default", check=False)
    stack.podman("volume", "rm", "-f", f"{stack.project}_pgdata", check=False)


# --- the checks -----------------------------------------------------------------------------------


@pytest.fixture
async def api() -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        yield session


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(stack.db_url)
    try:
        yield conn
    finally:
        await conn.close()


async def _json(api: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
    async with api.request(method, url, **kwargs) as resp:
        body = await resp.text()
        assert resp.status < 300, f"{method} {url}: {resp.status} {body}"
        return json.loads(body) if body else None


async def _create_source(
    api: aiohttp.ClientSession, stack: Stack, folder: str, **schedule: Any
) -> str:
    body = {
        "name": f"compose {folder} {uuid.uuid4().hex[:6]}",
        "source_type": "filesystem",
        "config": {"roots": [f"/data/{folder}"]},
        **schedule,
    }
    source = await _json(api, "POST", stack.proxy + "/api/sources", json=body)
    return str(source["id"])


async def _wait_async(predicate: Any, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


async def _completed_run(
    api: aiohttp.ClientSession, base: str, source_id: str, timeout: float = 120
) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        runs = await _json(api, "GET", f"{base}/api/sync-runs?source_id={source_id}")
        for run in runs:
            assert run["status"] not in ("failed", "cancelled"), run
            if run["status"] == "completed":
                return dict(run)
        return None

    result: dict[str, Any] = await _wait_async(done, f"a completed run of {source_id}", timeout)
    return result


async def _search(api: aiohttp.ClientSession, base: str, query: str) -> list[dict[str, Any]]:
    body = await _json(api, "GET", f"{base}/api/search", params={"q": query})
    hits: list[dict[str, Any]] = body["results"]
    return hits


async def _queue_drained(db: asyncpg.Connection, source_id: str) -> bool:
    left = await db.fetchval(
        "SELECT count(*) FROM event_queue WHERE source_id = $1 AND status <> 'completed'", source_id
    )
    return bool(left == 0)


async def test_a_sync_is_searchable_through_the_proxy_and_either_manager(
    stack: Stack, api: aiohttp.ClientSession, db: asyncpg.Connection
) -> None:
    source_id = await _create_source(api, stack, "small")
    await _json(api, "POST", f"{stack.proxy}/api/sources/{source_id}/sync", json={})
    await _completed_run(api, stack.proxy, source_id)
    await _wait_async(lambda: _queue_drained(db, source_id), "the queue to drain")
    for base in (stack.proxy, *stack.managers.values()):
        hits = await _search(api, base, PHRASE)
        assert [h["source_id"] for h in hits] == [source_id], (base, hits)
        assert hits[0]["external_id"].endswith("notes.md"), hits


async def test_the_other_manager_takes_over_the_scheduler_when_the_leader_is_killed(
    stack: Stack, api: aiohttp.ClientSession, db: asyncpg.Connection
) -> None:
    addresses = {s: stack.address(stack.container(s)) for s in stack.managers}
    leader_address = await _wait_async(lambda: db.fetchval(LEADER_ADDRESS), "a leader")
    (leader,) = [s for s, a in addresses.items() if a == leader_address]
    (follower,) = [s for s in addresses if s != leader]
    assert '"leadership_acquired"' in stack.logs(stack.container(leader))

    stack.podman("kill", stack.container(leader))
    try:
        # The follower campaigns every second (test override) and wins once the lock is free.
        async def new_leader() -> bool:
            return bool(await db.fetchval(LEADER_ADDRESS) == addresses[follower])

        await _wait_async(new_leader, f"{follower} to lead")
        assert '"leadership_acquired"' in stack.logs(stack.container(follower))
        # Its scheduler runs: a source with a schedule and no sync yet is due at once.
        source_id = await _create_source(api, stack, "small", sync_interval_seconds=3600)
        run = await _completed_run(api, stack.managers[follower], source_id)
        assert run["trigger_type"] == "scheduled"
        # The proxy drops the dead manager and still answers.
        assert await _search(api, stack.proxy, PHRASE)
    finally:
        stack.podman("start", stack.container(leader), check=False)
        _wait(lambda: _healthy(stack.managers[leader]), f"{leader} back", stack.container(leader))


async def test_an_indexer_killed_holding_a_batch_loses_nothing(
    stack: Stack, api: aiohttp.ClientSession, db: asyncpg.Connection
) -> None:
    first, second = stack.container("indexer", 1), stack.container("indexer", 2)
    # The sync starts with no indexer running; once its events queue up, one indexer starts and
    # is killed while it holds claimed rows: the kill lands mid-batch every time, not by luck
    # (and mid-sync while the connector is still emitting).
    stack.podman("stop", "-t", "10", first, second)
    try:
        source_id = await _create_source(api, stack, "big")
        await _json(api, "POST", f"{stack.proxy}/api/sources/{source_id}/sync", json={})

        async def rows(status: str) -> int:
            query = "SELECT count(*) FROM event_queue WHERE source_id = $1 AND status = $2"
            return int(await db.fetchval(query, source_id, status))

        await _wait_async(lambda: rows("pending"), "the sync's events in the queue")
        stack.podman("start", first)
        await _wait_async(lambda: rows("processing"), "the first indexer to claim a batch")
        stack.podman("kill", first)
        assert await rows("processing"), "the killed indexer's batch is still claimed"

        stack.podman("start", second)
        await _completed_run(api, stack.proxy, source_id)
        await _wait_async(lambda: _queue_drained(db, source_id), "the queue to drain", 180)
        indexed = await db.fetchval(
            "SELECT count(*) FROM documents WHERE source_id = $1 AND tsv IS NOT NULL", source_id
        )
        assert indexed == BIG_FILES
        dead = await db.fetchval(
            "SELECT count(*) FROM event_queue WHERE source_id = $1 AND status = 'dead_letter'",
            source_id,
        )
        assert dead == 0
        for i in (0, BIG_FILES // 2, BIG_FILES - 1):
            hits = await _search(api, stack.proxy, f"token{i:05d}")
            assert [h["source_id"] for h in hits] == [source_id]
        # The killed batch came back by visibility timeout, to an indexer still running.
        assert '"indexer_claims_expired"' in stack.logs(second) + stack.logs(first)
    finally:
        stack.podman("start", first, second, check=False)
