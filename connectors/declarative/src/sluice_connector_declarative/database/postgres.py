"""The ``postgres`` adapter (asyncpg): catalog reads, and rows from a server-side cursor.

The catalog statements are fixed; the row statement names a table and columns the descriptor or
the catalog chose, so it is composed from quoted identifiers (never from values: keys and bookmarks
are bound parameters cast to the column's catalog type).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager

import asyncpg

from sluice_connector_declarative.database.adapters import (
    Column,
    ConnectionSettings,
    ReadPlan,
    Row,
    TableInfo,
)
from sluice_sdk.errors import ConfigurationError, TransientError

# -- name: select_tables
# Base tables of schema $1 the connecting role can see, by name.
SELECT_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = $1 AND table_type = 'BASE TABLE'
ORDER BY table_name
"""

# -- name: select_columns
# Columns of the relation $1 (a quoted, qualified name) with their types, in table order.
SELECT_COLUMNS = """
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type_name
FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

# -- name: select_primary_key
# Primary key columns of the relation $1, in key order.
SELECT_PRIMARY_KEY = """
SELECT a.attname AS name
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = to_regclass($1) AND i.indisprimary
ORDER BY array_position(i.indkey::int2[], a.attnum)
"""

_CONFIGURATION_ERRORS = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.InsufficientPrivilegeError,
    asyncpg.UndefinedTableError,
    asyncpg.UndefinedColumnError,
)
_TRANSIENT_ERRORS = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{quote(schema)}.{quote(table)}"


def translate(exc: BaseException) -> Exception | None:
    """The SDK error a driver error means for the run, or None for an unexpected one."""
    if isinstance(exc, _CONFIGURATION_ERRORS):
        return ConfigurationError(f"postgres: {exc}")
    if isinstance(exc, _TRANSIENT_ERRORS):
        return TransientError(f"postgres unavailable: {exc}")
    return None


@contextmanager
def driver_errors() -> Iterator[None]:
    """Driver errors leave as the SDK errors they mean (configuration or transient)."""
    try:
        yield
    except Exception as exc:
        translated = translate(exc)
        if translated is None:
            raise
        raise translated from exc


def select_rows(plan: ReadPlan) -> tuple[str, list[str]]:
    """The row statement of a plan and its parameters (all text, cast to the columns' types)."""
    table = plan.table
    conditions: list[str] = []
    params: list[str] = []

    def bind(value: str, column: str) -> str:
        params.append(value)
        found = table.column(column)
        cast = found.type_name if found is not None else "text"
        # Declared text, so the driver sends the text as it is and the server casts it.
        return f"CAST(${len(params)}::text AS {cast})"

    if plan.cursor_column is not None and plan.since is not None:
        conditions.append(f"{quote(plan.cursor_column)} >= {bind(plan.since, plan.cursor_column)}")
    if plan.after is not None:
        left = ", ".join(quote(c) for c in plan.order)
        right = ", ".join(bind(v, c) for v, c in zip(plan.after, plan.order, strict=True))
        conditions.append(f"({left}) > ({right})")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    order = ", ".join(quote(c) for c in plan.order)
    return f"SELECT * FROM {qualified(table.schema, table.name)}{where} ORDER BY {order}", params


class PostgresAdapter:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def list_tables(self, schema: str) -> list[str]:
        with driver_errors():
            rows = await self._conn.fetch(SELECT_TABLES, schema)
        return [row["table_name"] for row in rows]

    async def describe(self, schema: str, table: str) -> TableInfo | None:
        name = qualified(schema, table)
        with driver_errors():
            columns = await self._conn.fetch(SELECT_COLUMNS, name)
            key = await self._conn.fetch(SELECT_PRIMARY_KEY, name)
        if not columns:
            return None
        return TableInfo(
            schema=schema,
            name=table,
            columns=tuple(Column(row["name"], row["type_name"]) for row in columns),
            primary_key=tuple(row["name"] for row in key),
        )

    async def read(self, plan: ReadPlan) -> AsyncGenerator[list[Row], None]:
        statement, params = select_rows(plan)
        with driver_errors():
            # A cursor lives in a transaction; a read-only repeatable-read one gives the table
            # as it was when the read began, however long the batches take to emit.
            async with self._conn.transaction(isolation="repeatable_read", readonly=True):
                cursor = await self._conn.cursor(statement, *params)
                while True:
                    batch = await cursor.fetch(plan.batch_size)
                    if not batch:
                        return
                    yield [dict(row) for row in batch]

    async def close(self) -> None:
        await self._conn.close()


async def connect(settings: ConnectionSettings) -> PostgresAdapter:
    with driver_errors():
        conn = await asyncpg.connect(
            dsn=settings.dsn,
            host=settings.host,
            port=settings.port,
            user=settings.username,
            password=settings.password,
            database=settings.database,
        )
    return PostgresAdapter(conn)
