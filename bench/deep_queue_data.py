"""The deep-queue benchmark's data: template databases with N rows waiting, cached between runs.

Each depth is one template database holding the same N ``document_created`` rows twice, in
``event_queue`` (Sluice) and ``raw_event_queue`` (the raw ceiling), frozen and analysed, so every
copy starts in the same state: all rows visible to all, no hint bits left to set, statistics of a
queue that has been waiting (the state an operator meets). A run copies a template with
``CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`` (a file copy, not a WAL-logged block copy).

The templates live in an embedded cluster of their own under
``${XDG_CACHE_HOME:-~/.cache}/sluice/bench/deep-queue/`` (kept between runs; the run's own
temporary server would have to regenerate them each time: 3M rows take ~3-5 minutes, a copy
~10 s), named by a key over the generator SQL and the parameters below: a new generator makes a
new template and the stale one is dropped. A new migration is applied to a cached template (then
frozen and analysed again); one whose text changed since the template was built (a migration in
review, not yet landed) makes it regenerate. ``SLUICE_BENCH_DATABASE_URL`` puts them on that
server instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from sluice_sql.embedded import EmbeddedPostgres, database_url
from sluice_sql.errors import MigrationChecksumError
from sluice_sql.migrate import migrate_url
from sluice_sql.query_loader import Queries, parse_queries

HERE = Path(__file__).resolve().parent
SQL_PATH = HERE / "deep_queue.sql"
SQL = Queries(parse_queries(SQL_PATH.read_text(), str(SQL_PATH)))
RAW_TABLES = (HERE / "raw_tables.sql").read_text()

SOURCES = 1000
ZIPF_EXPONENT = 1.1
SEED = 0.42
BLOB_ID = "dq-blob"
# The same words as the content blob and the raw queue's summary, so both indexers analyse the
# same text per event.
SUMMARY = "queue depth benchmark: a short body shared by every event, analysed for search"


def cache_dir() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "sluice" / "bench" / "deep-queue"


def template_key() -> str:
    digest = hashlib.sha256()
    digest.update(SQL_PATH.read_bytes())
    digest.update(RAW_TABLES.encode())
    digest.update(f"{SOURCES} {ZIPF_EXPONENT} {SEED} {SUMMARY}".encode())
    return digest.hexdigest()[:10]


def template_name(depth: int) -> str:
    return f"dq_{depth}_{template_key()}"


@contextlib.contextmanager
def template_server() -> Iterator[str]:
    """The server holding the templates: SLUICE_BENCH_DATABASE_URL, else the cached cluster."""
    explicit = os.environ.get("SLUICE_BENCH_DATABASE_URL")
    if explicit:
        yield explicit
        return
    server = EmbeddedPostgres(cache_dir() / "pg")
    server.start()
    try:
        yield server.url()
    finally:
        server.stop()


async def _databases(server_url: str, pattern: str) -> list[str]:
    conn = await asyncpg.connect(server_url)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", pattern)
    finally:
        await conn.close()
    return [r["datname"] for r in rows]


async def _admin(server_url: str, statement: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def ensure_template(server_url: str, depth: int) -> tuple[str, float]:
    """The template for ``depth`` (generated unless cached); returns its name and the seconds
    spent generating it (0 when it was cached)."""
    name = template_name(depth)
    existing = await _databases(server_url, f"dq\\_{depth}\\_%")
    if name in existing and await _migrated(database_url(server_url, name)):
        return name, 0.0
    for stale in existing:
        await _admin(server_url, f'ALTER DATABASE "{stale}" WITH IS_TEMPLATE false')
        await _admin(server_url, f'DROP DATABASE "{stale}" WITH (FORCE)')
    started = time.perf_counter()
    building = f"{name}_building"
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    await _admin(server_url, f'CREATE DATABASE "{building}"')
    url = database_url(server_url, building)
    await migrate_url(url)
    await _fill(url, depth)
    # Renamed only when complete: an interrupted generation never passes for a template.
    await _admin(server_url, f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    await _admin(server_url, f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true')
    return name, time.perf_counter() - started


async def _migrated(url: str) -> bool:
    """Bring a cached template to the current migrations; False when it cannot be (a migration
    it applied has changed since)."""
    try:
        applied = await migrate_url(url)
    except MigrationChecksumError:
        return False
    if applied:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("VACUUM (FREEZE, ANALYZE)")
        finally:
            await conn.close()
    return True


async def _fill(url: str, depth: int) -> None:
    now = datetime.now(UTC)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(RAW_TABLES)
        await conn.execute(SQL.insert_sources, SOURCES, now)
        sha = hashlib.sha256(SUMMARY.encode()).hexdigest()
        await conn.execute(SQL.insert_blob, BLOB_ID, sha, SUMMARY, now)
        await conn.execute("SELECT setseed($1)", SEED)
        await conn.execute(SQL.insert_events, depth, SOURCES, ZIPF_EXPONENT, BLOB_ID, SUMMARY)
        await conn.execute(SQL.copy_to_raw)
        await conn.execute("VACUUM (FREEZE, ANALYZE)")
    finally:
        await conn.close()


async def copy_template(server_url: str, template: str, name: str) -> str:
    """A fresh database ``name`` cloned from ``template``; returns its URL."""
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    return database_url(server_url, name)


async def drop(server_url: str, name: str) -> None:
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def source_sizes(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        return [r["n"] for r in await conn.fetch(SQL.source_sizes)]
    finally:
        await conn.close()
