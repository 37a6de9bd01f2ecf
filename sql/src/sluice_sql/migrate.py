"""Migration runner: ordered ``migrations/NNNN_name.sql`` files, one transaction each.

An advisory lock serialises runners, so two processes starting together apply each migration once.
A checksum per applied file refuses an edited migration with a clear error.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from sluice_sql.errors import MigrationChecksumError, MigrationError
from sluice_sql.query_loader import QUERIES

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Arbitrary constant: "sluice" in ASCII, fits a bigint.
MIGRATION_LOCK_KEY = 0x736C75696365
_FILE = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if match is None:
            raise MigrationError(f"migration file {path.name!r} is not named NNNN_name.sql")
        migrations.append(
            Migration(int(match["version"]), match["name"], path.read_text(encoding="utf-8"))
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {directory}")
    return migrations


async def migrate(
    conn: asyncpg.Connection, migrations: list[Migration] | None = None
) -> list[Migration]:
    """Apply pending migrations; return the ones applied by this call."""
    todo = load_migrations() if migrations is None else migrations
    applied_now: list[Migration] = []
    await conn.execute(QUERIES.lock_migrations, MIGRATION_LOCK_KEY)
    try:
        await conn.execute(QUERIES.create_schema_migrations)
        applied = {
            row["version"]: row for row in await conn.fetch(QUERIES.select_applied_migrations)
        }
        for migration in todo:
            row = applied.get(migration.version)
            if row is not None:
                if row["checksum"] != migration.checksum:
                    raise MigrationChecksumError(
                        migration.version, migration.name, row["checksum"], migration.checksum
                    )
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        QUERIES.insert_applied_migration,
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                ) from exc
            applied_now.append(migration)
    finally:
        await conn.execute(QUERIES.unlock_migrations, MIGRATION_LOCK_KEY)
    return applied_now


async def migrate_url(url: str) -> list[Migration]:
    conn = await asyncpg.connect(url)
    try:
        return await migrate(conn)
    finally:
        await conn.close()
