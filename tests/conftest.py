"""Session Postgres, one migrated template database, one fresh clone per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from sluice_sql.embedded import database_url
from sluice_sql.migrate import migrate_url
from sluice_sql.pool import create_pool
from tests.support.postgres import session_postgres

TEMPLATE = f"sluice_template_{os.getpid()}"


async def _admin(server_url: str) -> asyncpg.Connection:
    return await asyncpg.connect(server_url)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    with session_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def template_database(pg_server_url: str) -> Iterator[str]:
    async def create() -> None:
        conn = await _admin(pg_server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await conn.close()
        await migrate_url(database_url(pg_server_url, TEMPLATE))

    async def drop() -> None:
        conn = await _admin(pg_server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(create())
    yield TEMPLATE
    asyncio.run(drop())


@pytest.fixture
async def database_url_fixture(pg_server_url: str, template_database: str) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    conn = await _admin(pg_server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    finally:
        await conn.close()
    yield database_url(pg_server_url, name)
    conn = await _admin(pg_server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def db_url(database_url_fixture: str) -> str:
    """URL of a freshly cloned, fully migrated database, dropped after the test."""
    return database_url_fixture


@pytest.fixture
async def db_pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(db_url, min_size=1, max_size=8)
    yield pool
    await pool.close()


@pytest.fixture
async def empty_db_url(pg_server_url: str) -> AsyncIterator[str]:
    """URL of an empty database (no migrations applied), dropped after the test."""
    name = f"e_{uuid.uuid4().hex[:16]}"
    conn = await _admin(pg_server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield database_url(pg_server_url, name)
    conn = await _admin(pg_server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
