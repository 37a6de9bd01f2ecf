"""``sluice up``: the whole system on one machine, as supervised child processes.

Embedded Postgres (or SLUICE_DATABASE_URL) → migrations → manager → indexer → filesystem connector
and declarative runtime, which register themselves by heartbeat; then the demo source over the
project's own documentation is created if absent and its first sync starts. Ctrl-C stops every
process it started, Postgres last.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import threading
from pathlib import Path
from types import FrameType

from sluice_cli.demo import DemoSetupError, ensure_demo_source
from sluice_cli.supervisor import CrashLoop, Supervisor
from sluice_manager.settings import ManagerSettings
from sluice_manager.tokens import ADMIN_TOKEN_FILE, with_tokens
from sluice_runtime.logs import configure_logging
from sluice_sql.bootstrap import open_database
from sluice_sql.migrate import migrate_url

CONNECTOR_PORT_OFFSET = 11  # 8090 → 8101
DECLARATIVE_PORT_OFFSET = 12  # 8090 → 8102


def project_root() -> Path:
    """The directory whose README.md and docs/ the demo source indexes."""
    cwd = Path.cwd()
    if (cwd / "README.md").exists():
        return cwd
    return Path(__file__).resolve().parents[3]  # cli/src/sluice_cli/up.py in a checkout


def up(args: argparse.Namespace) -> int:
    settings = ManagerSettings()
    configure_logging(settings.log_level, json_output=settings.log_json)
    port = args.port or settings.port
    connector_port = port + CONNECTOR_PORT_OFFSET
    declarative_port = port + DECLARATIVE_PORT_OFFSET
    database = asyncio.run(open_database(settings.database_url, settings.data_dir))
    supervisor = Supervisor()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        asyncio.run(migrate_url(database.url))
        tokens = with_tokens(settings)
        admin_token = tokens.admin_token[0]
        common = {
            "SLUICE_DATABASE_URL": database.url,
            "SLUICE_ADMIN_TOKEN": ",".join(tokens.admin_token),
            "SLUICE_CONNECTOR_TOKEN": ",".join(tokens.connector_token),
            "SLUICE_DATA_DIR": str(settings.data_dir.resolve()),
        }
        manager_url = f"http://{settings.host}:{port}"
        supervisor.start(
            "manager", "sluice_cli.main", ["manager"], {**common, "SLUICE_PORT": str(port)}
        )
        supervisor.start("indexer", "sluice_cli.main", ["indexer"], common)
        for name, module, connector_port_here in (
            ("filesystem connector", "sluice_connector_filesystem", connector_port),
            ("declarative runtime", "sluice_connector_declarative", declarative_port),
        ):
            supervisor.start(
                name,
                module,
                [],
                {
                    "SLUICE_CONNECTOR_TOKEN": common["SLUICE_CONNECTOR_TOKEN"],
                    "SLUICE_MANAGER_URL": manager_url,
                    "SLUICE_LISTEN_HOST": "127.0.0.1",
                    "PORT": str(connector_port_here),
                    "SLUICE_PORT": str(connector_port_here),
                },
            )
        try:
            demo = asyncio.run(
                ensure_demo_source(
                    manager_url, admin_token, project_root(), stop=stop, supervisor=supervisor
                )
            )
        except DemoSetupError as exc:
            print(f"could not set up the demo source: {exc}", flush=True)
            return 1
        if demo is None:  # stopped or a child died while waiting
            return 0 if stop.is_set() else 1
        token_where = (
            "SLUICE_ADMIN_TOKEN"
            if settings.admin_token
            else str((settings.data_dir / ADMIN_TOKEN_FILE).resolve())
        )
        where = (
            f"embedded, data in {(settings.data_dir / 'pg').resolve()}"
            if database.embedded
            else "external (SLUICE_DATABASE_URL)"
        )
        auth = f'-H "Authorization: Bearer $(cat {token_where})"'
        print(
            "\nSluice is up.\n"
            f"  manager     {manager_url}  (GET /health)\n"
            f"  indexer     1 process\n"
            f"  connector   filesystem on http://127.0.0.1:{connector_port}\n"
            f"  connector   declarative runtime on http://127.0.0.1:{declarative_port}\n"
            f"  postgres    {where}\n"
            f"  admin token {token_where}\n"
            f"  demo source {demo.source_id} ({demo.description})\n"
            "\nTry:\n"
            '  .venv/bin/sluice search "connector manager"\n'
            f"  curl -s {auth} {manager_url}/api/sources\n"
            f'  curl -s -X POST {auth} -d \'{{"sync_mode": "full"}}\' '
            f"{manager_url}/api/sources/{demo.source_id}/sync\n"
            "\nPress Ctrl-C to stop.\n",
            flush=True,
        )
        while not stop.wait(0.5):
            try:
                for event in supervisor.supervise():
                    print(event, flush=True)
            except CrashLoop as exc:
                print(f"{exc}; stopping everything", flush=True)
                return 1
        return 0
    finally:
        supervisor.stop_all()
        database.close()
