"""``sluice`` command line: migrate, manager, up."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from sdk.logs import configure_logging


def _cmd_migrate(args: argparse.Namespace) -> int:
    from manager.settings import ManagerSettings
    from sql.bootstrap import open_database
    from sql.migrate import migrate_url

    settings = ManagerSettings()
    configure_logging(settings.log_level, json_output=settings.log_json)

    async def main() -> list[int]:
        database = await open_database(settings.database_url, settings.data_dir)
        try:
            return [m.version for m in await migrate_url(database.url)]
        finally:
            database.close()

    applied = asyncio.run(main())
    print(f"applied migrations: {applied}" if applied else "database is up to date")
    return 0


def _cmd_manager(args: argparse.Namespace) -> int:
    from manager.main import run
    from manager.settings import ManagerSettings

    overrides: dict[str, object] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    settings = ManagerSettings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level, json_output=settings.log_json)
    run(settings)
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    from cli.up import up

    return up(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sluice", description="Sluice connector manager, indexer and tools."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = sub.add_parser(
        "migrate",
        help="apply pending database migrations",
        description="Apply pending migrations to SLUICE_DATABASE_URL (or the embedded server).",
    )
    migrate.set_defaults(func=_cmd_migrate)

    manager = sub.add_parser(
        "manager",
        help="run the manager daemon",
        description="Run the manager: HTTP APIs, registry and (when leader) the scheduler.",
    )
    manager.add_argument("--host", help="listen address (default SLUICE_HOST or 127.0.0.1)")
    manager.add_argument("--port", type=int, help="listen port (default SLUICE_PORT or 8090)")
    manager.set_defaults(func=_cmd_manager)

    up = sub.add_parser(
        "up",
        help="run the whole system locally on the embedded Postgres",
        description=(
            "Start embedded Postgres (data in .sluice/pg), apply migrations and run the manager. "
            "Ctrl-C stops everything it started."
        ),
    )
    up.add_argument("--port", type=int, default=None, help="manager port (default 8090)")
    up.set_defaults(func=_cmd_up)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
