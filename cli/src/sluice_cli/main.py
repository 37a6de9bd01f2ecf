"""``sluice`` command line: migrate, manager, up, indexer, search, descriptor, token."""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from sluice_cli.kit import add_parser as kit_parser
from sluice_cli.token import add_parser as token_parser
from sluice_runtime.logs import configure_logging


def _version() -> str:
    try:
        return version("sluice-command")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


def _cmd_migrate(args: argparse.Namespace) -> int:
    from sluice_manager.settings import ManagerSettings
    from sluice_sql.bootstrap import open_database
    from sluice_sql.migrate import migrate_url

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
    from sluice_manager.main import run
    from sluice_manager.settings import ManagerSettings

    overrides: dict[str, object] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
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


def _cmd_up(args: argparse.Namespace) -> int:
    from sluice_cli.up import up

    return up(args)


def _cmd_indexer(args: argparse.Namespace) -> int:
    from sluice_indexer.main import main as run_indexer

    return run_indexer()


def _cmd_search(args: argparse.Namespace) -> int:
    from sluice_cli.search import SearchRequest, admin_token, run, token_hint
    from sluice_manager.settings import ManagerSettings

    settings = ManagerSettings()
    request = SearchRequest(
        query=args.query,
        url=args.url,
        source_id=args.source_id,
        user=args.user,
        limit=args.limit,
        offset=args.offset,
        as_json=args.json,
    )
    token = admin_token(settings.admin_token, settings.data_dir)
    hint = token_hint(settings.admin_token, settings.data_dir, token)
    return run(request, token, refused_hint=hint)


def _cmd_descriptor(args: argparse.Namespace) -> int:
    from sluice_cli import descriptor
    from sluice_cli.search import admin_token
    from sluice_manager.settings import ManagerSettings

    if args.action == "validate":
        return descriptor.validate(args.files)
    settings = ManagerSettings()
    manager = descriptor.Manager(args.url, admin_token(settings.admin_token, settings.data_dir))
    if args.action == "push":
        status = "published" if args.publish else args.status
        return descriptor.reachable(
            lambda: descriptor.push(manager, args.file, status=status, visibility=args.visibility)
        )
    if args.action == "list":
        filters = {
            "category": args.category,
            "tag": args.tag,
            "status": args.status,
            "visibility": args.visibility,
            "q": args.q,
        }
        return descriptor.reachable(
            lambda: descriptor.list_descriptors(manager, filters, as_json=args.json)
        )
    return descriptor.reachable(
        lambda: descriptor.show(manager, args.slug, args.version, as_json=args.json)
    )


def _cmd_token(args: argparse.Namespace) -> int:
    from sluice_cli import token
    from sluice_cli.search import admin_token
    from sluice_manager.settings import ManagerSettings

    settings = ManagerSettings()
    return token.run(args, admin_token(settings.admin_token, settings.data_dir))


def _descriptor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "descriptor",
        help="validate declarative connector descriptors, and manage the catalog",
        description="Validate descriptor files locally; push, list and show them in the catalog "
        "of a running manager (SLUICE_MANAGER_URL or --url, with the admin token as for search).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    url = os.environ.get("SLUICE_MANAGER_URL", "http://127.0.0.1:8090")
    statuses = ("draft", "published", "archived")
    visibilities = ("private", "workspace", "organization", "marketplace")

    validate = actions.add_parser(
        "validate",
        help="check descriptor files (exit 1 on problems)",
        description="Check YAML or JSON descriptor files; print file:line:col: path: message "
        "for each problem and exit 1 when there is any.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE")

    push = actions.add_parser("push", help="push a descriptor file to the catalog")
    push.add_argument("file", metavar="FILE")
    push.add_argument(
        "--publish", action="store_true", help="publish it (same as --status published)"
    )
    push.add_argument("--status", choices=statuses, help="status (new versions: draft)")
    push.add_argument("--visibility", choices=visibilities, help="visibility (new: private)")

    listing = actions.add_parser("list", help="list catalog descriptors")
    listing.add_argument("--category", help="only this category (saas, database, ...)")
    listing.add_argument("--tag", help="only descriptors with this tag")
    listing.add_argument("--status", choices=statuses, help="only this status")
    listing.add_argument("--visibility", choices=visibilities, help="only this visibility")
    listing.add_argument("--q", help="text search over name, slug, summary, description, tags")
    listing.add_argument("--json", action="store_true", help="print the raw JSON answer")

    show = actions.add_parser("show", help="show a descriptor's versions, or one version")
    show.add_argument("slug", metavar="SLUG")
    show.add_argument("version", metavar="VERSION", nargs="?", help="a version, or latest")
    show.add_argument("--json", action="store_true", help="print the raw JSON answer")

    for remote in (push, listing, show):
        remote.add_argument("--url", default=url, help=f"manager base URL (default {url})")
    parser.set_defaults(func=_cmd_descriptor)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sluice", description="Sluice connector manager, indexer and tools."
    )
    parser.add_argument("--version", action="version", version=f"sluice {_version()}")
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
            "Start embedded Postgres (data in SLUICE_DATA_DIR/pg, SLUICE_DATA_DIR defaulting to "
            ".sluice; SLUICE_DATABASE_URL uses a Postgres of your own instead), apply migrations, "
            "and run the manager on --port (default 8090), one indexer, the filesystem connector "
            "on port+11 (8101) and the declarative runtime on port+12 (8102); then create the demo "
            "source over README.md and docs/ and start its first sync. SLUICE_DATA_DIR also holds "
            "the admin and connector tokens and the credentials key. One sluice up per data "
            "directory. Ctrl-C stops everything it started, Postgres last."
        ),
    )
    up.add_argument("--port", type=int, default=None, help="manager port (default 8090)")
    up.set_defaults(func=_cmd_up)

    indexer = sub.add_parser(
        "indexer",
        help="run an indexer worker",
        description="Drain the event queue into the searchable documents table until stopped.",
    )
    indexer.set_defaults(func=_cmd_indexer)

    search = sub.add_parser(
        "search",
        help="search indexed documents through a running manager",
        description="Query GET /api/search with the admin token (SLUICE_ADMIN_TOKEN or "
        "<data_dir>/admin_token) and print the ranked hits.",
    )
    search.add_argument("query", help="search words (web-search syntax: quotes, or, -word)")
    search.add_argument(
        "--url",
        default=os.environ.get("SLUICE_MANAGER_URL", "http://127.0.0.1:8090"),
        help="manager base URL (default: SLUICE_MANAGER_URL, else http://127.0.0.1:8090)",
    )
    search.add_argument("--source-id", help="only this source")
    search.add_argument("--user", help="only documents this user email may see")
    search.add_argument("--limit", type=int, default=10, help="hits to show (max 100)")
    search.add_argument("--offset", type=int, default=0, help="hits to skip")
    search.add_argument("--json", action="store_true", help="print the raw JSON answer")
    search.set_defaults(func=_cmd_search)
    _descriptor_parser(sub)
    token_parser(sub, _cmd_token)
    kit_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
