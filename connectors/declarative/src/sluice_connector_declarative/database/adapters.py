"""The adapter contract and the registry that maps ``database_config.adapter`` names to adapters.

An adapter lists a schema's tables, describes one (columns, primary key) and streams its rows in
batches from a server-side cursor, ordered by a key so that a run can resume after the last row it
checkpointed. Keys and bookmarks travel as text (the database casts them back to the column's type),
so a checkpoint stays plain JSON whatever the column types.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sluice_sdk.errors import ConfigurationError

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where the database is: a ``dsn``, or host/port/database/username/password.

    Read from the source's config, the credentials overriding it (the password usually lives there).
    """

    dsn: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_source(
        cls, config: Mapping[str, Any], credentials: Mapping[str, Any]
    ) -> ConnectionSettings:
        merged = {**config, **{k: v for k, v in credentials.items() if v not in (None, "")}}

        def text(*keys: str) -> str | None:
            for key in keys:
                value = merged.get(key)
                if value not in (None, ""):
                    return str(value)
            return None

        port = text("port")
        if port is not None and not port.isdigit():
            raise ConfigurationError(f"database port must be a number, not {port!r}")
        settings = cls(
            dsn=text("dsn", "database_url", "url"),
            host=text("host"),
            port=int(port) if port is not None else None,
            database=text("database", "dbname"),
            username=text("username", "user"),
            password=text("password"),
        )
        if settings.dsn is None and settings.host is None:
            raise ConfigurationError(
                "database connection missing: give `dsn`, or `host` (with port, database, "
                "username, password) in the source config or credentials"
            )
        return settings


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type_name: str
    """The database's spelling of the type, used to cast keys and bookmarks back."""


@dataclass(frozen=True, slots=True)
class TableInfo:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @property
    def label(self) -> str:
        """``schema.table``: the table's name in checkpoints and document ids."""
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What to read from one table: rows ordered by ``order``, optionally only those whose
    ``cursor_column`` is at least ``since`` and those after the key ``after``."""

    table: TableInfo
    order: tuple[str, ...]
    cursor_column: str | None = None
    since: str | None = None
    after: tuple[str, ...] | None = None
    batch_size: int = 500


class DatabaseAdapter(Protocol):
    async def list_tables(self, schema: str) -> list[str]: ...

    async def describe(self, schema: str, table: str) -> TableInfo | None:
        """The table's columns and primary key; None when it does not exist (or is not visible)."""
        ...

    def read(self, plan: ReadPlan) -> AsyncGenerator[list[Row], None]:
        """Batches of rows from a server-side cursor, never the whole table at once."""
        ...

    async def close(self) -> None: ...


AdapterFactory = Callable[[ConnectionSettings], Awaitable[DatabaseAdapter]]


def _postgres() -> AdapterFactory:
    from sluice_connector_declarative.database.postgres import connect

    return connect


def _mysql() -> AdapterFactory:
    from sluice_connector_declarative.database.mysql import connect

    return connect


_REGISTRY: dict[str, Callable[[], AdapterFactory]] = {"postgres": _postgres, "mysql": _mysql}


def register_adapter(name: str, factory: Callable[[], AdapterFactory]) -> None:
    """Add an adapter; ``factory`` returns its connect function (imported when first used)."""
    _REGISTRY[name] = factory


def adapter_names() -> list[str]:
    return sorted(_REGISTRY)


async def connect(adapter: str, settings: ConnectionSettings) -> DatabaseAdapter:
    """Connect with the named adapter; an unknown name is a configuration error."""
    factory = _REGISTRY.get(adapter)
    if factory is None:
        known = ", ".join(adapter_names())
        raise ConfigurationError(f"unknown database adapter {adapter!r} (known: {known})")
    return await factory()(settings)


def key_text(value: Any) -> str:
    """A key or bookmark value as the text the database reads back into the column's type."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
