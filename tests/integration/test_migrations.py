import asyncio
from pathlib import Path

import asyncpg
import pytest

from sluice_sql.errors import MigrationChecksumError, MigrationError
from sluice_sql.migrate import Migration, load_migrations, migrate, migrate_url


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        return {r["table_name"] for r in rows}
    finally:
        await conn.close()


async def test_fresh_database_gets_every_table(empty_db_url: str) -> None:
    applied = await migrate_url(empty_db_url)
    assert [m.version for m in applied] == [m.version for m in load_migrations()]
    assert {
        "schema_migrations",
        "connectors",
        "sources",
        "credentials",
        "sync_runs",
        "event_queue",
        "content_blobs",
        "documents",
        "document_tombstones",
        "groups",
        "group_memberships",
    } <= await _tables(empty_db_url)


async def test_second_run_applies_nothing(empty_db_url: str) -> None:
    await migrate_url(empty_db_url)
    assert await migrate_url(empty_db_url) == []


async def test_concurrent_runners_apply_each_migration_once(empty_db_url: str) -> None:
    results = await asyncio.gather(*(migrate_url(empty_db_url) for _ in range(4)))
    applied = sorted(m.version for result in results for m in result)
    assert applied == [m.version for m in load_migrations()]
    conn = await asyncpg.connect(empty_db_url)
    try:
        count = await conn.fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        await conn.close()
    assert count == len(load_migrations())


async def test_edited_migration_is_refused(empty_db_url: str) -> None:
    original = [Migration(1, "first", "CREATE TABLE t (a int);")]
    edited = [Migration(1, "first", "CREATE TABLE t (a bigint);")]
    conn = await asyncpg.connect(empty_db_url)
    try:
        await migrate(conn, original)
        with pytest.raises(MigrationChecksumError, match="0001_first was edited") as info:
            await migrate(conn, edited)
        assert info.value.version == 1
    finally:
        await conn.close()


async def test_failed_migration_rolls_back_and_records_nothing(empty_db_url: str) -> None:
    broken = [
        Migration(1, "ok", "CREATE TABLE ok_table (a int);"),
        Migration(2, "bad", "CREATE TABLE half (a int); SELECT * FROM missing_table;"),
    ]
    conn = await asyncpg.connect(empty_db_url)
    try:
        with pytest.raises(MigrationError, match="0002_bad failed"):
            await migrate(conn, broken)
        versions = await conn.fetch("SELECT version FROM schema_migrations")
        half = await conn.fetchval("SELECT to_regclass('half')")
    finally:
        await conn.close()
    assert [r["version"] for r in versions] == [1]
    assert half is None


def test_badly_named_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_init.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(tmp_path)


async def test_claim_index_exists_for_pending_rows(db_pool: asyncpg.Pool) -> None:
    # The partial index that keeps the claim cheap as the queue grows.
    indexdef = await db_pool.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'event_queue_pending_idx'"
    )
    assert "WHERE (status = 'pending'::text)" in indexdef
