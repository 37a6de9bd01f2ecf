"""Podman for the container tests: its environment, the images, and containers that are cleaned up.

``docker/podman/setup.sh`` installs podman when missing and says where its configuration is;
``docker/images.sh build`` builds the images (podman's layer cache makes a rebuild of an unchanged
tree quick). Containers run with ``--network host``: tests give their processes distinct loopback
ports.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_IMAGE = "localhost/sluice:local"
POSTGRES_IMAGE = "localhost/sluice-postgres:15"
CONNECTORS = ("filesystem", "rss", "web", "declarative")
# Test credentials for containers started here: never used outside a test.
ADMIN_TOKEN = "container-test-admin-token"
CONNECTOR_TOKEN = "container-test-connector-token"
SECRET_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # base64 of 32 bytes
POSTGRES_PASSWORD = "sluice"

T = TypeVar("T")
_instances = itertools.count(1)


def connector_image(name: str) -> str:
    return f"localhost/sluice-connector-{name}:local"


class PodmanUnavailable(RuntimeError):
    """Podman is not installed and cannot be installed here."""


@functools.cache
def podman_env() -> dict[str, str]:
    """The process environment plus what points podman at the project's configuration, storage."""
    setup = subprocess.run(
        [str(ROOT / "docker/podman/setup.sh")], capture_output=True, text=True, check=False
    )
    if setup.returncode != 0:
        raise PodmanUnavailable(setup.stderr.strip() or f"setup.sh exited {setup.returncode}")
    settings = dict(line.split("=", 1) for line in setup.stdout.splitlines() if "=" in line)
    return {**os.environ, **settings}


def require_podman() -> dict[str, str]:
    """``podman_env()``, or skip loudly; fail instead with SLUICE_REQUIRE_PODMAN=1 (make images)."""
    try:
        return podman_env()
    except PodmanUnavailable as exc:
        message = f"PODMAN UNAVAILABLE, CONTAINER TESTS NOT RUN: {exc}"
        if os.environ.get("SLUICE_REQUIRE_PODMAN") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


class _Build:
    """The one ``images.sh build`` of a test session, started early so it overlaps other tests."""

    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None


def start_build_in_background() -> None:
    """Start ``docker/images.sh build`` now (podman installed by it when missing); its minutes on
    a fresh cache then pass while the rest of the suite runs. ``build_images`` waits for it."""
    if _Build.process is not None or os.environ.get("SLUICE_IMAGES_BUILT") == "1":
        return
    _Build.log = Path(tempfile.mkstemp(prefix="sluice-images-build-", suffix=".log")[1])
    with _Build.log.open("wb") as out:
        _Build.process = subprocess.Popen(
            [str(ROOT / "docker/images.sh"), "build"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_background_build() -> None:
    """End a build still running when the session ends (its tests were deselected or failed)."""
    process = _Build.process
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def build_images() -> None:
    """Build (or find up to date) every image, unless the caller just did (``make images``)."""
    if os.environ.get("SLUICE_IMAGES_BUILT") == "1":
        return
    if _Build.process is None:
        start_build_in_background()
    assert _Build.process is not None
    assert _Build.log is not None
    returncode = _Build.process.wait()
    if returncode != 0:
        output = _Build.log.read_text(errors="replace")
        raise AssertionError(f"docker/images.sh build failed ({returncode}):\n{output[-8000:]}")


def podman(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["podman", *args],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


@dataclass(frozen=True)
class Container:
    name: str

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def state(self) -> str:
        """``running``, ``exited``, ... or ``missing``."""
        result = podman("inspect", "--format", "{{.State.Status}}", self.name, check=False)
        return result.stdout.strip() if result.returncode == 0 else "missing"

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        return podman("exec", self.name, *command, check=False)

    def kill(self) -> None:
        podman("kill", self.name, check=False)

    def wait(self, timeout: float = 120) -> int:
        """The exit code, once the container has stopped."""
        return int(podman("wait", self.name, timeout=timeout).stdout.strip())


@dataclass
class Containers:
    """Runs containers (host network, one name prefix) and removes every one of them on close."""

    prefix: str = field(default_factory=lambda: f"sluice-test-{os.getpid()}-{next(_instances)}")
    started: list[Container] = field(default_factory=list)

    def run(
        self,
        image: str,
        *command: str,
        name: str,
        env: Mapping[str, str] = {},
        entrypoint: str | None = None,
        volumes: Iterable[str] = (),
        options: Iterable[str] = (),
    ) -> Container:
        container = Container(f"{self.prefix}-{name}")
        args = ["run", "--detach", "--network", "host", "--name", container.name]
        args += [f"--env={key}={value}" for key, value in env.items()]
        args += [f"--volume={volume}" for volume in volumes]
        if entrypoint is not None:
            args.append(f"--entrypoint={entrypoint}")
        podman("rm", "--force", container.name, check=False)  # left over by a killed run
        podman(*args, *options, image, *command)
        self.started.append(container)
        return container

    def close(self) -> None:
        if self.started:
            podman("rm", "--force", "--time", "5", *(c.name for c in self.started), check=False)
            self.started.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def eventually(check: Callable[[], T | None], timeout: float, what: str, *watch: Container) -> T:
    """Poll ``check`` until it returns something other than None; on timeout, fail with logs."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {c.name} ({c.state()}):\n{c.logs()[-3000:]}" for c in watch)
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{logs}")
        time.sleep(0.5)


def http(
    method: str, url: str, body: object = None, token: str | None = ADMIN_TOKEN
) -> tuple[int, Any]:
    """One JSON request: ``(status, decoded body)``; status 0 when nothing answers."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError:
        return 0, None
    return status, json.loads(raw) if raw else None


def start_postgres(containers: Containers, name: str = "postgres", port: int = 0) -> str:
    """A Postgres container on ``port`` (default: a free one); its database URL once ready."""
    port = port or free_port()
    pg = containers.run(
        POSTGRES_IMAGE,
        "-c",
        "fsync=off",
        name=name,
        env={
            "POSTGRES_USER": "sluice",
            "POSTGRES_PASSWORD": POSTGRES_PASSWORD,
            "POSTGRES_DB": "sluice",
            "PGPORT": str(port),
        },
    )

    def ready() -> bool | None:
        probe = pg.exec("pg_isready", "--host=127.0.0.1", f"--port={port}", "--dbname=sluice")
        return True if probe.returncode == 0 else None

    eventually(ready, 60, "Postgres to accept connections", pg)
    return f"postgresql://sluice:{POSTGRES_PASSWORD}@127.0.0.1:{port}/sluice"


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    """Environment for a manager, indexer or ``migrate`` container of the test stack."""
    return {
        "SLUICE_DATABASE_URL": database_url,
        "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_SECRET_KEY": SECRET_KEY,
        **settings,
    }
