"""A freshly migrated database equals the committed ``sql/schema.sql`` (style.md item 18).

A schema change then shows up in review as a diff of one readable file, and a migration added
without regenerating the snapshot fails here.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from sluice_sql.embedded import EmbeddedPostgres, database_url, ensure_database
from sluice_sql.migrate import Migration, load_migrations, migrate
from sluice_sql.schema import REGENERATE, dump_schema, migrated_schema, normalize, server_major

SNAPSHOT = Path(__file__).resolve().parents[2] / "sql" / "schema.sql"


def _diff(expected: str, actual: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        "sql/schema.sql (committed)",
        "freshly migrated database",
    )
    return "".join(lines)


@pytest.fixture(scope="module")
def snapshot_server(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of the snapshot's major version: the session's, else a throwaway embedded one.

    pg_dump prints some objects differently per server version, so a session server of another
    version (a SLUICE_TEST_DATABASE_URL, a container) is not compared against the snapshot.
    """
    wanted = server_major(SNAPSHOT.read_text(encoding="utf-8"))

    async def major() -> int:
        conn = await asyncpg.connect(pg_server_url)
        try:
            return int(await conn.fetchval("SHOW server_version_num")) // 10_000
        finally:
            await conn.close()

    if asyncio.run(major()) == wanted:
        yield pg_server_url
        return
    with EmbeddedPostgres(tmp_path_factory.mktemp("snapshot") / "pg", unsafe_fast=True) as server:
        yield server.url()


@contextlib.asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    name = f"snapshot_{uuid.uuid4().hex[:12]}"
    await ensure_database(server_url, name)
    try:
        yield database_url(server_url, name)
    finally:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def test_fresh_database_equals_the_committed_snapshot(snapshot_server: str) -> None:
    schema = await migrated_schema(snapshot_server)
    snapshot = SNAPSHOT.read_text(encoding="utf-8")
    assert schema == snapshot, (
        "sql/schema.sql differs from the schema the migrations produce. If a migration changed "
        f"the schema on purpose, regenerate the snapshot with `{REGENERATE}` and commit it.\n"
        + _diff(snapshot, schema)
    )


async def test_a_migration_missing_from_the_snapshot_is_caught(snapshot_server: str) -> None:
    migrations = load_migrations()
    unrecorded = Migration(
        migrations[-1].version + 1, "unrecorded", "ALTER TABLE documents ADD COLUMN language text;"
    )
    async with scratch_database(snapshot_server) as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, [*migrations, unrecorded])
        finally:
            await conn.close()
        schema = await asyncio.to_thread(dump_schema, url)
    snapshot = SNAPSHOT.read_text(encoding="utf-8")
    assert schema != snapshot
    assert "+    language text" in _diff(snapshot, schema)


def test_normalize_drops_what_changes_between_runs() -> None:
    dump = "\n".join(
        [
            "--",
            "-- PostgreSQL database dump",
            "--",
            "",
            "\\restrict hXxYpRfIZEBk94J8U2ceJRqVyMteHNCiD3bwAU1dhi3msY8fyrCFJWiPFTCFLQU",
            "",
            "-- Dumped from database version 18.6",
            "-- Dumped by pg_dump version 18.6",
            "",
            "SET statement_timeout = 0;",
            "SELECT pg_catalog.set_config('search_path', '', false);",
            "",
            "",
            "CREATE TABLE public.t (",
            "    a integer",
            ");   ",
            "",
            "\\unrestrict hXxYpRfIZEBk94J8U2ceJRqVyMteHNCiD3bwAU1dhi3msY8fyrCFJWiPFTCFLQU",
            "",
        ]
    )
    schema = normalize(dump)
    assert server_major(schema) == 18
    assert schema.splitlines()[2:] == [
        "",
        "--",
        "-- PostgreSQL database dump",
        "--",
        "",
        "CREATE TABLE public.t (",
        "    a integer",
        ");",
    ]
    assert REGENERATE in schema.splitlines()[1]
