"""Real third-party API servers on loopback, for the declarative connector tests.

* **httpbin** (PyPI, the dev group): basic auth (``/basic-auth/u/p``), bearer (``/bearer``), status
  codes, header echo (``/headers``, ``/anything``).
* **json-server 0.17.4 + json-server-auth 2.1.0** (npm): a REST API over a ``db.json``, with
  ``POST /register`` / ``POST /login`` answering ``{"accessToken": ...}`` and guarded routes
  (``/660/posts`` needs a bearer token). ``tests/declarative/thirdparty/flaky.js``, loaded with
  json-server's own ``--middlewares`` option, makes any URL answer 429/5xx with ``Retry-After`` a
  given number of times: ``/_flaky/<times>/<status>/<retry-after>/<rest>`` (see the file).
* **oauth2-mock-server** (npm): ``/authorize`` (redirects to ``redirect_uri`` with a code, PKCE
  checked at ``/token``), ``/token`` (client_credentials, authorization_code, refresh_token and the
  JWT bearer grant, tokens signed with the key at ``/jwks``). It validates no client secret.
  ``tests/declarative/thirdparty/oauth2-mock.mjs`` starts it through its library API with one
  documented event hook: a unique ``jti`` in every token, so a refreshed token differs from the old.

The npm packages are pinned in ``tests/declarative/thirdparty/package.json`` with a committed lock
file; ``ensure_npm_packages`` runs ``npm ci`` into that folder when ``node_modules`` is missing or
older than the lock. Every server runs as a child process on a free loopback port and is stopped
(terminate, then kill) on exit. The pytest fixtures at the bottom are imported by the conftest of
each test folder that uses them (``from tests.support.thirdparty import httpbin_server, ...``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.http import free_port

THIRDPARTY = Path(__file__).resolve().parents[1] / "declarative" / "thirdparty"
NODE_MODULES = THIRDPARTY / "node_modules"
LOCK_FILE = THIRDPARTY / "package-lock.json"
INSTALLED_MARKER = NODE_MODULES / ".package-lock.json"  # npm writes it on every install
START_TIMEOUT = 30.0
START_TRIES = 3


class ServerFailed(RuntimeError):
    """A third-party server did not start; the message carries its log's tail."""


# -- npm ------------------------------------------------------------------------------------------


def npm_packages_current(folder: Path = THIRDPARTY) -> bool:
    marker = folder / "node_modules" / INSTALLED_MARKER.name
    return marker.exists() and marker.stat().st_mtime >= (folder / LOCK_FILE.name).stat().st_mtime


def ensure_npm_packages(folder: Path = THIRDPARTY) -> Path:
    """``node_modules`` of the packages pinned in ``folder`` (a package.json and its committed
    lock file), installed with ``npm ci`` when missing or stale. A file lock keeps concurrent test
    processes from installing over each other."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise ServerFailed("node and npm are needed for the third-party test servers")
    lock_path = Path(tempfile.gettempdir()) / "sluice-thirdparty-npm.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not npm_packages_current(folder):
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0:
                raise ServerFailed(f"npm ci failed in {folder}:\n{result.stderr[-4000:]}")
            (folder / "node_modules" / INSTALLED_MARKER.name).touch()
    return folder / "node_modules"


# -- processes ------------------------------------------------------------------------------------


@dataclass
class RunningServer:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@dataclass
class JsonServer(RunningServer):
    db_path: Path = field(default=Path())

    def db(self) -> dict[str, Any]:
        """The database as json-server last wrote it."""
        data: dict[str, Any] = json.loads(self.db_path.read_text())
        return data


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status)
    except urllib.error.HTTPError:
        return True  # it answered
    except (urllib.error.URLError, OSError):
        return False


def _start(
    name: str,
    command: Callable[[int], list[str]],
    probe_path: str,
    workdir: Path,
    make: Callable[[str, subprocess.Popen[bytes], Path], RunningServer],
) -> RunningServer:
    """Start ``command(port)`` and wait until ``probe_path`` answers; a new port on a lost race."""
    failure = ""
    for attempt in range(START_TRIES):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = workdir / f"{name}-{port}-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command(port), cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )
        server = make(base_url, process, log_path)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(server.url(probe_path)):
                return server
            time.sleep(0.05)
        server.stop()
        failure = server.log_tail()
    raise ServerFailed(f"{name} did not start:\n{failure}")


def _plain(name: str) -> Callable[[str, subprocess.Popen[bytes], Path], RunningServer]:
    return lambda base_url, process, log_path: RunningServer(name, base_url, process, log_path)


@contextlib.contextmanager
def httpbin_process(workdir: Path) -> Iterator[RunningServer]:
    """httpbin's own development server (``python -m httpbin.core``), threaded."""

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "httpbin.core", "--host", "127.0.0.1", "--port", str(port)]

    server = _start("httpbin", command, "/get", workdir, _plain("httpbin"))
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def oauth2_mock_process(workdir: Path) -> Iterator[RunningServer]:
    """oauth2-mock-server with a fresh RSA signing key, started by ``oauth2-mock.mjs`` (its library
    API, adding a unique ``jti`` to every token). Its issuer (``iss``) says ``localhost``; use
    ``base_url`` (127.0.0.1) for requests."""
    ensure_npm_packages()

    def command(port: int) -> list[str]:
        return ["node", str(THIRDPARTY / "oauth2-mock.mjs"), "127.0.0.1", str(port)]

    server = _start(
        "oauth2-mock-server",
        command,
        "/.well-known/openid-configuration",
        workdir,
        _plain("oauth2-mock-server"),
    )
    try:
        yield server
    finally:
        server.stop()


def permission_routes(permissions: Mapping[str, int]) -> dict[str, str]:
    """json-server-auth's guard rules (``{"posts": 660}``) as json-server rewrite routes, the
    expanded form its README gives for the plain json-server command."""
    return {f"/{name}*": f"/{mode}/{name}$1" for name, mode in permissions.items()}


@contextlib.contextmanager
def json_server_process(
    db: Mapping[str, Any],
    workdir: Path,
    *,
    permissions: Mapping[str, int] | None = None,
    routes: Mapping[str, str] | None = None,
) -> Iterator[JsonServer]:
    """json-server over a copy of ``db`` written into ``workdir``, with json-server-auth and the
    flaky middleware. ``db`` needs a ``users`` collection for json-server-auth (added when absent).
    ``permissions`` guard collections (``{"posts": 660}``); ``routes`` are extra rewrites."""
    modules = ensure_npm_packages()
    data = {"users": [], **db}
    db_path = workdir / "db.json"
    db_path.write_text(json.dumps(data, indent=2))
    all_routes = {**permission_routes(permissions or {}), **(routes or {})}
    routes_args: list[str] = []
    if all_routes:
        routes_path = workdir / "routes.json"
        routes_path.write_text(json.dumps(all_routes))
        routes_args = ["--routes", str(routes_path)]

    def command(port: int) -> list[str]:
        return [
            "node",
            str(modules / "json-server" / "lib" / "cli" / "bin.js"),
            str(db_path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--quiet",
            "--middlewares",
            str(THIRDPARTY / "flaky.js"),
            str(modules / "json-server-auth"),
            *routes_args,
        ]

    def make(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> RunningServer:
        return JsonServer("json-server", base_url, process, log_path, db_path=db_path)

    server = _start("json-server", command, "/db", workdir, make)
    assert isinstance(server, JsonServer)
    try:
        yield server
    finally:
        server.stop()


def register_user(server: RunningServer, email: str, password: str) -> str:
    """json-server-auth's ``POST /register``; the new user's access token."""
    request = urllib.request.Request(
        server.url("/register"),
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token: str = json.loads(response.read())["accessToken"]
        return token


# -- pytest fixtures ------------------------------------------------------------------------------

JsonServerFactory = Callable[..., JsonServer]


@pytest.fixture(scope="session")
def httpbin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with httpbin_process(tmp_path_factory.mktemp("httpbin")) as server:
        yield server


@pytest.fixture(scope="session")
def oauth2_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with oauth2_mock_process(tmp_path_factory.mktemp("oauth2-mock")) as server:
        yield server


@pytest.fixture
def json_server_factory(tmp_path: Path) -> Iterator[JsonServerFactory]:
    """``start(db, permissions=None, routes=None) -> JsonServer``: a json-server over a fresh copy
    of ``db`` in this test's tmp dir; every one started is stopped after the test."""
    with contextlib.ExitStack() as stack:
        count = 0

        def start(
            db: Mapping[str, Any],
            *,
            permissions: Mapping[str, int] | None = None,
            routes: Mapping[str, str] | None = None,
        ) -> JsonServer:
            nonlocal count
            count += 1
            workdir = tmp_path / f"json-server-{count}"
            workdir.mkdir()
            return stack.enter_context(
                json_server_process(db, workdir, permissions=permissions, routes=routes)
            )

        yield start
