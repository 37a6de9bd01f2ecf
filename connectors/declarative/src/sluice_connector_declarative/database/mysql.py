"""The ``mysql`` adapter (aiomysql, the optional extra ``sluice-connector-declarative[mysql]``).

aiomysql is imported when a mysql source first syncs, so the runtime installs and runs without it;
a mysql source on a runtime without the extra fails with a configuration error saying what to
install. Rows come from an unbuffered server-side cursor (``SSDictCursor``), batch by batch.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from typing import Any

from yarl import URL

from sluice_connector_declarative.database.adapters import (
    Column,
    ConnectionSettings,
    ReadPlan,
    Row,
    TableInfo,
)
from sluice_sdk.errors import ConfigurationError, TransientError

EXTRA_HINT = "install the mysql extra: pip install 'sluice-connector-declarative[mysql]'"

# -- name: select_tables
# Base tables of schema %s, by name.
SELECT_TABLES = """
SELECT TABLE_NAME AS name FROM information_schema.TABLES
WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME
"""

# -- name: select_columns
# Columns of table %s.%s with their types, in table order.
SELECT_COLUMNS = """
SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type_name FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
ORDER BY ORDINAL_POSITION
"""

# -- name: select_primary_key
# Primary key columns of table %s.%s, in key order.
SELECT_PRIMARY_KEY = """
SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY'
ORDER BY ORDINAL_POSITION
"""

# MySQL error numbers that need the operator: access denied, unknown database, table or column.
_CONFIGURATION_CODES = frozenset({1044, 1045, 1049, 1142, 1146, 1054})


def load_driver() -> Any:
    """The aiomysql module, or a configuration error naming the extra to install."""
    try:
        return importlib.import_module("aiomysql")
    except ImportError as exc:
        raise ConfigurationError(f"the mysql adapter is not installed: {EXTRA_HINT}") from exc


def quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _cast_type(type_name: str) -> str:
    """CAST targets MySQL accepts for a column type (CAST knows fewer names than CREATE)."""
    lowered = type_name.lower()
    if lowered.startswith(("datetime", "timestamp")):
        return "DATETIME(6)"
    if lowered.startswith("date"):
        return "DATE"
    if "int" in lowered:
        return "UNSIGNED" if "unsigned" in lowered else "SIGNED"
    if lowered.startswith(("decimal", "numeric", "float", "double")):
        return "DECIMAL(65, 30)"
    return "CHAR"


def select_rows(plan: ReadPlan) -> tuple[str, list[str]]:
    table = plan.table
    conditions: list[str] = []
    params: list[str] = []

    def bind(value: str, column: str) -> str:
        params.append(value)
        found = table.column(column)
        return f"CAST(%s AS {_cast_type(found.type_name if found else 'char')})"

    if plan.cursor_column is not None and plan.since is not None:
        conditions.append(f"{quote(plan.cursor_column)} >= {bind(plan.since, plan.cursor_column)}")
    if plan.after is not None:
        left = ", ".join(quote(c) for c in plan.order)
        right = ", ".join(bind(v, c) for v, c in zip(plan.after, plan.order, strict=True))
        conditions.append(f"({left}) > ({right})")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    order = ", ".join(quote(c) for c in plan.order)
    name = f"{quote(table.schema)}.{quote(table.name)}"
    return f"SELECT * FROM {name}{where} ORDER BY {order}", params


@contextmanager
def driver_errors() -> Iterator[None]:
    try:
        yield
    except (OSError, TimeoutError) as exc:
        raise TransientError(f"mysql unavailable: {exc}") from exc
    except Exception as exc:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        if code in _CONFIGURATION_CODES:
            raise ConfigurationError(f"mysql: {exc}") from exc
        if code is not None and 2000 <= code < 3000:  # client errors: lost connection, no host
            raise TransientError(f"mysql unavailable: {exc}") from exc
        raise


class MysqlAdapter:
    def __init__(self, driver: Any, conn: Any) -> None:
        self._driver = driver
        self._conn = conn

    async def _fetch(self, statement: str, *params: Any) -> list[dict[str, Any]]:
        with driver_errors():
            async with self._conn.cursor(self._driver.DictCursor) as cursor:
                await cursor.execute(statement, params)
                return list(await cursor.fetchall())

    async def list_tables(self, schema: str) -> list[str]:
        return [row["name"] for row in await self._fetch(SELECT_TABLES, schema)]

    async def describe(self, schema: str, table: str) -> TableInfo | None:
        columns = await self._fetch(SELECT_COLUMNS, schema, table)
        if not columns:
            return None
        key = await self._fetch(SELECT_PRIMARY_KEY, schema, table)
        return TableInfo(
            schema=schema,
            name=table,
            columns=tuple(Column(row["name"], str(row["type_name"])) for row in columns),
            primary_key=tuple(row["name"] for row in key),
        )

    async def read(self, plan: ReadPlan) -> AsyncGenerator[list[Row], None]:
        statement, params = select_rows(plan)
        with driver_errors():
            async with self._conn.cursor(self._driver.SSDictCursor) as cursor:
                await cursor.execute(statement, params)
                while True:
                    batch = await cursor.fetchmany(plan.batch_size)
                    if not batch:
                        return
                    yield [dict(row) for row in batch]

    async def close(self) -> None:
        self._conn.close()


def connect_arguments(settings: ConnectionSettings) -> dict[str, Any]:
    """aiomysql's arguments; a ``mysql://user:password@host:port/database`` dsn fills the gaps."""
    url = URL(settings.dsn) if settings.dsn else None
    if url is not None and url.scheme not in ("mysql", "mariadb"):
        raise ConfigurationError("a mysql dsn looks like mysql://user:password@host:port/database")
    return {
        "host": settings.host or (url.host if url else None),
        "port": settings.port or (url.port if url and url.explicit_port else None) or 3306,
        "user": settings.username or (url.user if url else None),
        "password": settings.password or (url.password if url else None) or "",
        "db": settings.database or (url.path.strip("/") or None if url else None),
        "autocommit": True,
    }


async def connect(settings: ConnectionSettings) -> MysqlAdapter:
    driver = load_driver()
    arguments = connect_arguments(settings)
    with driver_errors():
        conn = await driver.connect(**arguments)
    return MysqlAdapter(driver, conn)
