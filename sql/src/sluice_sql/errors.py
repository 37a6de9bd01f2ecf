"""The data layer's exception root. Driver errors are translated here, chained with ``from``."""

from __future__ import annotations


class SqlError(Exception):
    """Root of every error the data layer raises on purpose."""


class QueryFileError(SqlError):
    """A named-query file is malformed (missing header, duplicate name, empty statement)."""


class UnknownQueryError(SqlError, KeyError):
    """No query of that name was loaded."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class MigrationError(SqlError):
    """A migration could not be applied."""


class MigrationChecksumError(MigrationError):
    """An already-applied migration file has been edited since it was applied."""

    def __init__(self, version: int, name: str, applied: str, current: str) -> None:
        super().__init__(
            f"migration {version:04d}_{name} was edited after it was applied "
            f"(applied checksum {applied[:12]}, file checksum {current[:12]}); "
            "never edit an applied migration: add a new one"
        )
        self.version = version
        self.name = name
        self.applied_checksum = applied
        self.current_checksum = current


class EmbeddedPostgresError(SqlError):
    """The embedded Postgres server could not be initialised, started or stopped."""


class SchemaDumpError(SqlError):
    """``pg_dump`` could not print the schema of a database."""
