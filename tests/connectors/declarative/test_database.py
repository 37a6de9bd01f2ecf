"""Database connectors: the postgres adapter against the test Postgres (a fresh empty database per
test), table sync through the SDK test kit, and the adapter registry (mysql an optional extra)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from structlog.testing import capture_logs

from sluice_connector_declarative.database.adapters import (
    ConnectionSettings,
    ReadPlan,
    adapter_names,
    connect,
)
from sluice_connector_declarative.database.mysql import connect_arguments
from sluice_connector_declarative.database.postgres import PostgresAdapter
from sluice_sdk.errors import ConfigurationError
from sluice_sdk.testing import SMALL_BATCHES, ConnectorHarness, RunResult
from tests.connectors.declarative.support import METADATA, PinningFakeManager, connector, texts

SCHEMA = """
CREATE TABLE articles (
    id integer PRIMARY KEY, title text NOT NULL, body text, updated_at timestamptz NOT NULL
);
CREATE TABLE tags (name text PRIMARY KEY, note text);
CREATE TABLE audit_lines (line text);
CREATE SCHEMA archive;
CREATE TABLE archive.notes (id integer PRIMARY KEY, body text, updated_at timestamptz);
"""


def stamp(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
async def database(empty_db_url: str) -> str:
    conn = await asyncpg.connect(empty_db_url)
    try:
        await conn.execute(SCHEMA)
        await conn.executemany(
            "INSERT INTO articles VALUES ($1, $2, $3, $4)",
            [
                (n, f"Article {n}", f"Text {n}" if n != 3 else None, stamp(1, n))
                for n in range(1, 8)
            ],
        )
        await conn.executemany(
            "INSERT INTO tags VALUES ($1, $2)", [("search", "about search"), ("queue", None)]
        )
        await conn.execute("INSERT INTO audit_lines VALUES ('x')")
        await conn.execute("INSERT INTO archive.notes VALUES (1, 'old', NULL)")
    finally:
        await conn.close()
    return empty_db_url


def db_descriptor(tables: list[str] | None = None, **database: Any) -> dict[str, Any]:
    return {
        "metadata": {**METADATA, "categories": ["database"]},
        "authentication": [{"type": "none"}],
        "operations": [],
        "database_config": {"adapter": "postgres", "tables": tables or []},
        "sync": {"database": {"title_column": "title", **database}},
    }


async def run(
    fake: PinningFakeManager,
    url: str,
    document: dict[str, Any],
    mode: str = "full",
    *,
    source: Any = None,
    **kwargs: Any,
) -> tuple[RunResult, Any]:
    async with ConnectorHarness(connector(), fake=fake, flush_policies=SMALL_BATCHES) as harness:
        if source is None:
            source = harness.add_source(config={"dsn": url})
            fake.pin(source, document)
        result = await harness.sync(source, mode, **kwargs)  # type: ignore[arg-type]
    return result, source


async def test_the_adapter_lists_describes_and_reads_in_batches(database: str) -> None:
    adapter = await connect("postgres", ConnectionSettings(dsn=database))
    assert isinstance(adapter, PostgresAdapter)
    try:
        assert await adapter.list_tables("public") == ["articles", "audit_lines", "tags"]
        table = await adapter.describe("public", "articles")
        assert table is not None
        assert table.primary_key == ("id",)
        assert [(c.name, c.type_name) for c in table.columns] == [
            ("id", "integer"),
            ("title", "text"),
            ("body", "text"),
            ("updated_at", "timestamp with time zone"),
        ]
        assert await adapter.describe("public", "nothing") is None
        plan = ReadPlan(table, order=("id",), batch_size=3)
        sizes = [len(batch) async for batch in adapter.read(plan)]
        assert sizes == [3, 3, 1]
        after = ReadPlan(
            table,
            order=("updated_at", "id"),
            cursor_column="updated_at",
            since=stamp(1, 2).isoformat(),
            after=(stamp(1, 4).isoformat(), "4"),
        )
        rows = [row["id"] async for batch in adapter.read(after) for row in batch]
        assert rows == [5, 6, 7]
    finally:
        await adapter.close()


async def test_a_full_sync_emits_a_document_per_row(
    fake: PinningFakeManager, database: str
) -> None:
    with capture_logs() as logs:
        result, _ = await run(fake, database, db_descriptor())
    assert result.status == "completed", result.error
    assert result.document_ids == [f"articles:{n}" for n in range(1, 8)] + [
        "tags:queue",
        "tags:search",
    ]
    stored = texts(fake, result)
    assert stored["articles:2"] == (
        "id: 2\ntitle: Article 2\nbody: Text 2\nupdated_at: 2026-03-01T02:00:00+00:00"
    )
    assert stored["articles:3"].splitlines()[2].startswith("updated_at")  # null columns left out
    first = next(e for e in result.events if e["document_id"] == "articles:1")
    assert first["metadata"]["title"] == "Article 1"
    assert first["attributes"] == {"table": "articles"}
    assert datetime.fromisoformat(first["metadata"]["updated_at"]) == stamp(1, 1)
    skipped = [entry for entry in logs if entry["event"] == "table_skipped"]
    assert [entry["table"] for entry in skipped] == ["public.audit_lines"]
    # batches of 3 rows: three for articles, one for tags, each table closed, then finished
    assert len(result.checkpoints) == 3 + 1 + 1 + 1 + 1
    assert result.checkpoints[-1]["tables"]["articles"]["high_water"] == "2026-03-01T07:00:00+00:00"


async def test_incremental_reads_rows_from_the_bookmark_on(
    fake: PinningFakeManager, database: str
) -> None:
    full, source = await run(fake, database, db_descriptor())
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(
            "UPDATE articles SET title = 'Article 2 edited', updated_at = $1 WHERE id = 2",
            stamp(2),
        )
        await conn.execute("INSERT INTO articles VALUES (8, 'Article 8', 'new', $1)", stamp(3))
    finally:
        await conn.close()
    changed, _ = await run(
        fake,
        database,
        db_descriptor(),
        "incremental",
        source=source,
        checkpoint=full.run.checkpoint,
    )
    assert changed.status == "completed", changed.error
    # From the bookmark (inclusive) in cursor order; tags has no updated_at and is read whole.
    assert changed.document_ids == [
        "articles:7",
        "articles:2",
        "articles:8",
        "tags:queue",
        "tags:search",
    ]
    assert texts(fake, changed)["articles:2"].splitlines()[1] == "title: Article 2 edited"
    assert changed.run.checkpoint["tables"]["articles"]["high_water"] == "2026-03-03T00:00:00+00:00"


async def test_a_killed_table_sync_resumes_after_its_last_batch(
    fake: PinningFakeManager, database: str
) -> None:
    first, source = await run(fake, database, db_descriptor(["articles"]), cancel_after_batches=4)
    assert first.outcome == "stopped"
    saved = first.run.checkpoint
    assert saved["tables"]["articles"]["after"] == ["3"]
    resumed, _ = await run(
        fake, database, db_descriptor(["articles"]), source=source, checkpoint=saved, is_resume=True
    )
    assert resumed.status == "completed", resumed.error
    assert resumed.document_ids == [f"articles:{n}" for n in range(4, 8)]


async def test_listed_tables_may_name_other_schemas_and_must_exist(
    fake: PinningFakeManager, database: str
) -> None:
    result, _ = await run(fake, database, db_descriptor(["archive.notes"], text_columns=["body"]))
    assert result.status == "completed", result.error
    assert result.document_ids == ["archive.notes:1"]
    assert texts(fake, result) == {"archive.notes:1": "body: old"}

    missing, _ = await run(fake, database, db_descriptor(["articles", "nope"]))
    assert missing.status == "failed"
    assert (
        missing.error
        == "configuration: database table public.nope does not exist or is not visible"
    )
    keyless, _ = await run(fake, database, db_descriptor(["audit_lines"]))
    assert (keyless.error or "").startswith(
        "configuration: database table public.audit_lines has no primary key"
    )


async def test_a_primary_key_can_be_named_for_a_table_without_one(
    fake: PinningFakeManager, database: str
) -> None:
    result, _ = await run(fake, database, db_descriptor(["audit_lines"], primary_key=["line"]))
    assert result.status == "completed", result.error
    assert result.document_ids == ["audit_lines:x"]


async def test_connection_problems_are_classified(fake: PinningFakeManager, database: str) -> None:
    refused, _ = await run(fake, "postgresql://nobody@127.0.0.1:1/none", db_descriptor())
    assert (refused.error or "").startswith("transient: postgres unavailable"), refused.error
    no_database, _ = await run(fake, database.rsplit("/", 1)[0] + "/no_such_db", db_descriptor())
    assert (no_database.error or "").startswith("configuration: postgres"), no_database.error


def test_connection_settings_come_from_config_and_credentials() -> None:
    settings = ConnectionSettings.from_source(
        {"host": "db.internal", "port": "5433", "database": "app", "username": "reader"},
        {"password": "secret"},
    )
    assert settings == ConnectionSettings(
        host="db.internal", port=5433, database="app", username="reader", password="secret"
    )
    with pytest.raises(ConfigurationError, match="database connection missing"):
        ConnectionSettings.from_source({}, {})
    with pytest.raises(ConfigurationError, match="port"):
        ConnectionSettings.from_source({"host": "h", "port": "x"}, {})


async def test_the_registry_knows_postgres_and_mysql_and_refuses_others() -> None:
    assert adapter_names() == ["mysql", "postgres"]
    with pytest.raises(ConfigurationError, match="unknown database adapter 'oracle'"):
        await connect("oracle", ConnectionSettings(host="h"))


async def test_mysql_without_its_extra_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aiomysql", None)  # as if the extra were not installed
    with pytest.raises(ConfigurationError, match=r"sluice-connector-declarative\[mysql\]"):
        await connect("mysql", ConnectionSettings(host="127.0.0.1"))


def test_mysql_takes_a_dsn_or_parts() -> None:
    arguments = connect_arguments(ConnectionSettings(dsn="mysql://app:pw@db:3307/shop"))
    assert arguments == {
        "host": "db",
        "port": 3307,
        "user": "app",
        "password": "pw",
        "db": "shop",
        "autocommit": True,
    }
    assert connect_arguments(ConnectionSettings(host="h", password="p"))["port"] == 3306
    with pytest.raises(ConfigurationError):
        connect_arguments(ConnectionSettings(dsn="postgresql://x/y"))
