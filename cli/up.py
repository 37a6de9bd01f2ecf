"""``sluice up``: embedded Postgres + migrations + the manager, as supervised child processes."""

from __future__ import annotations

import argparse
import asyncio
import signal
import threading
from types import FrameType

from cli.supervisor import Supervisor
from manager.settings import ManagerSettings
from manager.tokens import ADMIN_TOKEN_FILE, with_tokens
from sdk.logs import configure_logging
from sql.bootstrap import open_database
from sql.migrate import migrate_url


def up(args: argparse.Namespace) -> int:
    settings = ManagerSettings()
    configure_logging(settings.log_level, json_output=settings.log_json)
    port = args.port or settings.port
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
        env = {
            "SLUICE_DATABASE_URL": database.url,
            "SLUICE_ADMIN_TOKEN": ",".join(tokens.admin_token),
            "SLUICE_CONNECTOR_TOKEN": ",".join(tokens.connector_token),
            "SLUICE_PORT": str(port),
            "SLUICE_DATA_DIR": str(settings.data_dir.resolve()),
        }
        supervisor.start("manager", "cli.main", ["manager"], env)
        admin_token_where = (
            "SLUICE_ADMIN_TOKEN"
            if settings.admin_token
            else str(settings.data_dir / ADMIN_TOKEN_FILE)
        )
        where = (
            "embedded, data in " + str(settings.data_dir / "pg")
            if database.embedded
            else "external"
        )
        print(
            f"\nSluice is up.\n"
            f"  manager   http://{settings.host}:{port}  (GET /health)\n"
            f"  postgres  {where}\n"
            f"  admin token in {admin_token_where}\n"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
        while not stop.wait(0.5):
            exited = supervisor.first_exited()
            if exited is not None:
                print(f"{exited.name} exited; stopping everything", flush=True)
                return 1
        return 0
    finally:
        supervisor.stop_all()
        database.close()
