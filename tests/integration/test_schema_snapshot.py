"""A freshly migrated database equals the committed ``sql/schema.sql`` (style.md item 18).

A schema change then shows up in review as a diff of one readable file, and a migration added
without regenerating the snapshot fails here.
"""

from __future__ import annotations

import asyncio
import difflib
from pathlib import Path

import asyncpg
import pytest

from sluice_sql.migrate import Migration, load_migrations, migrate, migrate_url
from sluice_sql.schema import REGENERATE, dump_schema, normalize, server_major

SNAPSHOT = Path(__file__).resolve().parents[2] / "sql" / "schema.sql"


def _diff(expected: str, actual: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        "sql/schema.sql (committed)",
        "freshly migrated database",
    )
    return "".join(lines)


def _snapshot_for(schema: str) -> str:
    snapshot = SNAPSHOT.read_text(encoding="utf-8")
    if server_major(snapshot) != server_major(schema):
        # pg_dump prints some objects differently for other server versions.
        pytest.skip(
            f"snapshot taken on PostgreSQL {server_major(snapshot)}, "
            f"the test server is PostgreSQL {server_major(schema)}"
        )
    return snapshot


async def test_fresh_database_equals_the_committed_snapshot(empty_db_url: str) -> None:
    await migrate_url(empty_db_url)
    schema = await asyncio.to_thread(dump_schema, empty_db_url)
    snapshot = _snapshot_for(schema)
    assert schema == snapshot, (
        "sql/schema.sql differs from the schema the migrations produce. If a migration changed "
        f"the schema on purpose, regenerate the snapshot with `{REGENERATE}` and commit it.\n"
        + _diff(snapshot, schema)
    )


async def test_a_migration_missing_from_the_snapshot_is_caught(empty_db_url: str) -> None:
    migrations = load_migrations()
    unrecorded = Migration(
        migrations[-1].version + 1, "unrecorded", "ALTER TABLE documents ADD COLUMN language text;"
    )
    conn = await asyncpg.connect(empty_db_url)
    try:
        await migrate(conn, [*migrations, unrecorded])
    finally:
        await conn.close()
    schema = await asyncio.to_thread(dump_schema, empty_db_url)
    snapshot = _snapshot_for(schema)
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
