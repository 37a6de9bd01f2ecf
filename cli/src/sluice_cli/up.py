"""``sluice up``: the whole system on one machine, as supervised child processes.

Embedded Postgres (or SLUICE_DATABASE_URL) → migrations → manager and indexer → once the manager is
healthy, the filesystem connector and the declarative runtime, which register themselves by
heartbeat; then the demo source over the project's own documentation is created if absent and its
first sync starts. Ctrl-C stops every process it started, Postgres last.

One ``sluice up`` per data directory (``sluice_cli.instance``), on ports checked before anything
starts. A watchdog (``sluice_cli.watchdog``) stops what it started should it be killed; on a
terminal, the children log warnings and up only (unless SLUICE_LOG_LEVEL says otherwise), so the
banner stays in sight.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from sluice_cli.banner import Banner
from sluice_cli.connection import write_manager_file
from sluice_cli.demo import DemoSetupError, ensure_demo_source, wait_healthy
from sluice_cli.instance import InstanceError, acquire, busy_ports
from sluice_cli.scoped import ensure_connector_tokens, token_digests
from sluice_cli.supervisor import Child, CrashLoop, Supervisor
from sluice_cli.watchdog import Watchdog
from sluice_manager.settings import ManagerSettings
from sluice_manager.tokens import ADMIN_TOKEN_FILE, with_tokens
from sluice_runtime.clock import SystemClock
from sluice_runtime.logs import configure_logging
from sluice_sql.bootstrap import Database, open_database
from sluice_sql.embedded import read_running_server
from sluice_sql.errors import SqlError
from sluice_sql.migrate import migrate_url

CONNECTOR_PORT_OFFSET = 11  # 8090 → 8101
DECLARATIVE_PORT_OFFSET = 12  # 8090 → 8102
WAIT_SECONDS = 90.0


def project_root() -> Path:
    """The directory whose README.md and docs/ the demo source indexes."""
    cwd = Path.cwd()
    if (cwd / "README.md").exists():
        return cwd
    return Path(__file__).resolve().parents[3]  # cli/src/sluice_cli/up.py in a checkout


def _error(message: str) -> int:
    print(f"sluice up: {message}", file=sys.stderr, flush=True)
    return 1


def up(port_option: int | None = None) -> int:
    settings = ManagerSettings()
    # On a terminal, info events of every process would bury the banner: warnings and up only,
    # unless the log level was chosen.
    quiet = sys.stderr.isatty() and "log_level" not in settings.model_fields_set
    configure_logging("warning" if quiet else settings.log_level, json_output=settings.log_json)
    port = port_option or settings.port
    try:
        lock = acquire(settings.data_dir, say=lambda message: print(message, flush=True))
    except InstanceError as exc:
        return _error(str(exc))
    try:
        busy = busy_ports(
            [
                ("the manager", settings.host, port),
                ("the filesystem connector", "127.0.0.1", port + CONNECTOR_PORT_OFFSET),
                ("the declarative runtime", "127.0.0.1", port + DECLARATIVE_PORT_OFFSET),
            ]
        )
        if busy:
            return _error(
                "cannot start: "
                + "; ".join(busy)
                + ". Is another sluice up or another program running? Choose another manager "
                "port with --port or SLUICE_PORT (the connectors use port+11 and port+12)."
            )
        watchdog = Watchdog.start(keep_fds=(lock.fd,))
        try:
            return _run(settings, port, watchdog, quiet)
        finally:
            watchdog.done()
    finally:
        lock.release()


def _open(settings: ManagerSettings, watchdog: Watchdog) -> Database:
    pg_dir = settings.data_dir / "pg"
    # Tell the watchdog before the server starts, so no moment is left in which it could be
    # orphaned; a server that was already running is someone else's to stop.
    if not settings.database_url and read_running_server(pg_dir.resolve()) is None:
        watchdog.postgres(pg_dir)
    database = asyncio.run(open_database(settings.database_url, settings.data_dir))
    if database.embedded is None or not database.embedded.started_here:
        watchdog.forget_postgres()
    return database


def _run(settings: ManagerSettings, port: int, watchdog: Watchdog, quiet: bool) -> int:
    connector_port = port + CONNECTOR_PORT_OFFSET
    declarative_port = port + DECLARATIVE_PORT_OFFSET
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        database = _open(settings, watchdog)
    except SqlError as exc:
        return _error(str(exc))

    def spawned(child: Child) -> None:
        if child.process is not None:
            watchdog.child(child.name, child.process.pid)

    supervisor = Supervisor(on_spawn=spawned)
    logs = {"SLUICE_LOG_LEVEL": "warning"} if quiet else {}

    def starting_failed() -> int:
        if stop.is_set():
            return 0
        child = supervisor.first_exited()
        if child is not None and child.process is not None:
            return _error(f"{child.name} exited with {child.process.returncode} while starting")
        return 1

    try:
        asyncio.run(migrate_url(database.url))
        tokens = with_tokens(settings)
        admin_token = tokens.admin_token[0]
        common = {
            "SLUICE_DATABASE_URL": database.url,
            "SLUICE_ADMIN_TOKEN": ",".join(tokens.admin_token),
            "SLUICE_CONNECTOR_TOKEN": ",".join(tokens.connector_token),
            "SLUICE_DATA_DIR": str(settings.data_dir.resolve()),
            **logs,
        }
        # Each connector gets a token for its own id and type, not the shared one (§2); none
        # under sdk_auth=open without a shared token, where the manager sends no token at all.
        scoped = (
            asyncio.run(
                ensure_connector_tokens(database.url, settings.data_dir, SystemClock().now())
            )
            if tokens.connector_token
            else {}
        )
        manager_url = f"http://{settings.host}:{port}"
        supervisor.start(
            "manager", "sluice_cli.main", ["manager"], {**common, "SLUICE_PORT": str(port)}
        )
        supervisor.start("indexer", "sluice_cli.main", ["indexer"], common)
        # Connectors register as they start: only once the manager listens.
        if not _healthy(manager_url, "the manager", stop, supervisor):
            return starting_failed()
        # For the sluice commands run beside this one (sluice sources list, sluice runs, ...).
        write_manager_file(settings.data_dir.resolve(), manager_url, admin_token)
        for name, module, connector_port_here in (
            ("filesystem connector", "sluice_connector_filesystem", connector_port),
            ("declarative runtime", "sluice_connector_declarative", declarative_port),
        ):
            connector_id = module.removeprefix("sluice_connector_")
            supervisor.start(
                name,
                module,
                [],
                {
                    "SLUICE_CONNECTOR_ID": connector_id,
                    "SLUICE_CONNECTOR_TOKEN": scoped.get(connector_id, ""),
                    "SLUICE_MANAGER_TOKEN_SHA256": token_digests(tokens.connector_token),
                    "SLUICE_MANAGER_URL": manager_url,
                    "SLUICE_LISTEN_HOST": "127.0.0.1",
                    "PORT": str(connector_port_here),
                    "SLUICE_PORT": str(connector_port_here),
                    **logs,
                },
            )
        for name, connector_port_here in (
            ("the filesystem connector", connector_port),
            ("the declarative runtime", declarative_port),
        ):
            if not _healthy(f"http://127.0.0.1:{connector_port_here}", name, stop, supervisor):
                return starting_failed()
        demo = asyncio.run(
            ensure_demo_source(
                manager_url, admin_token, project_root(), stop=stop, supervisor=supervisor
            )
        )
        if demo is None:  # stopped or a child died while waiting
            return starting_failed()
        banner = Banner(
            manager_url=manager_url,
            connector_port=connector_port,
            declarative_port=declarative_port,
            postgres=(
                f"embedded, data in {(settings.data_dir / 'pg').resolve()}"
                if database.embedded
                else "external (SLUICE_DATABASE_URL)"
            ),
            data_dir=settings.data_dir,
            admin_tokens_in_env=len(settings.admin_token),
            token_file=settings.data_dir / ADMIN_TOKEN_FILE,
            demo_source_id=demo.source_id,
            demo_description=demo.description,
            quiet_logs=quiet,
            admin_token=admin_token,
        )
        print(banner.render(), flush=True)
        while not stop.wait(0.5):
            try:
                for event in supervisor.supervise():
                    print(event, flush=True)
            except CrashLoop as exc:
                print(f"{exc}; stopping everything", flush=True)
                return 1
        return 0
    except DemoSetupError as exc:
        return _error(f"could not start: {exc}")
    finally:
        supervisor.stop_all()
        database.close()


def _healthy(url: str, what: str, stop: threading.Event, supervisor: Supervisor) -> bool:
    """True once ``url`` is healthy; False when stopped or a child died. DemoSetupError when it
    never is."""
    return asyncio.run(
        wait_healthy(url, what, stop=stop, supervisor=supervisor, wait_seconds=WAIT_SECONDS)
    )
