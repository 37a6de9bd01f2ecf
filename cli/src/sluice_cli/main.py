"""``sluice`` command line (Click): the servers (``up``, ``manager``, ``indexer``, ``migrate``),
the operator's commands against a running manager (``connectors``, ``sources``, ``runs``,
``documents``, ``search``, ``dead-letters``, ``queue``, ``token``, ``descriptor``) and the
connector kit (``connector``). docs/cli.md shows each with an example."""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import click

from sluice_cli.descriptor import descriptor
from sluice_cli.kit import connector
from sluice_cli.queue_cmd import dead_letters, queue
from sluice_cli.runs import runs
from sluice_cli.search import documents, search
from sluice_cli.sources_cmd import connectors, sources
from sluice_cli.token import token

UP_HELP = (
    "Start embedded Postgres (data in SLUICE_DATA_DIR/pg, SLUICE_DATA_DIR defaulting to "
    ".sluice; SLUICE_DATABASE_URL uses a Postgres of your own instead), apply migrations, and run "
    "the manager on --port (default 8090), one indexer, the filesystem connector on port+11 "
    "(8101) and the declarative runtime on port+12 (8102); then create the demo source over "
    "README.md and docs/ and start its first sync. It prints the console's URL "
    "(http://HOST:PORT/ui/) and the admin login. SLUICE_DATA_DIR also holds the admin and "
    "connector tokens, the credentials key, and manager.json (the URL and admin token the other "
    "sluice commands use). One sluice up per data directory. Ctrl-C stops everything it "
    "started, Postgres last."
)


def _version() -> str:
    try:
        return version("sluice-command")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(_version(), "--version", prog_name="sluice", message="%(prog)s %(version)s")
@click.option("--url", metavar="URL", help="manager base URL, for every command below")
@click.option("--token", metavar="TOKEN", help="admin token, for every command below")
def cli(url: str | None, token: str | None) -> None:
    """Sluice connector manager, indexer and tools.

    Commands that talk to a running manager find its URL and admin token in --url/--token, then
    SLUICE_URL/SLUICE_ADMIN_TOKEN, then the data directory that sluice up writes to
    (SLUICE_DATA_DIR, default .sluice)."""


@cli.command("migrate")
def migrate() -> int:
    """Apply pending migrations to SLUICE_DATABASE_URL (or the embedded server)."""
    import asyncio

    from sluice_manager.settings import ManagerSettings
    from sluice_runtime.logs import configure_logging
    from sluice_sql.bootstrap import open_database
    from sluice_sql.migrate import migrate_url

    settings = ManagerSettings()
    configure_logging(settings.log_level, json_output=settings.log_json)

    async def apply() -> list[int]:
        database = await open_database(settings.database_url, settings.data_dir)
        try:
            return [m.version for m in await migrate_url(database.url)]
        finally:
            database.close()

    applied = asyncio.run(apply())
    click.echo(f"applied migrations: {applied}" if applied else "database is up to date")
    return 0


@cli.command("manager")
@click.option("--host", help="listen address (default SLUICE_HOST or 127.0.0.1)")
@click.option("--port", type=int, help="listen port (default SLUICE_PORT or 8090)")
def manager(host: str | None, port: int | None) -> int:
    """Run the manager: HTTP APIs, registry and (when leader) the scheduler."""
    from sluice_manager.main import run
    from sluice_manager.settings import ManagerSettings
    from sluice_runtime.logs import configure_logging

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = ManagerSettings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level, json_output=settings.log_json)
    try:
        run(settings)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"sluice manager: port {settings.port} on {settings.host} is already in use "
            "(another manager or sluice up?); choose another with --port or SLUICE_PORT",
            file=sys.stderr,
        )
        return 1
    return 0


@cli.command(
    "up", help=UP_HELP, short_help="Run the whole system locally on the embedded Postgres."
)
@click.option("--port", type=int, default=None, help="manager port (default 8090)")
def up(port: int | None) -> int:
    from sluice_cli.up import up as run_up

    return run_up(port)


@cli.command("indexer")
def indexer() -> int:
    """Drain the event queue into the searchable documents table until stopped."""
    from sluice_indexer.main import main as run_indexer

    return run_indexer()


for command in (
    connectors,
    sources,
    runs,
    documents,
    search,
    dead_letters,
    queue,
    token,
    descriptor,
    connector,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sluice`` with ``argv`` (default: the process's arguments); the exit status."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="sluice",
            standalone_mode=False,
        )
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        print("Aborted!", file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
