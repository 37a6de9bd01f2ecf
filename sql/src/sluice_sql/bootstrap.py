"""Resolve where the database is: an explicit URL, or the embedded server in the data directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sluice_sql.embedded import EmbeddedPostgres, database_url, ensure_database

EMBEDDED_DATABASE = "sluice"


@dataclass(slots=True)
class Database:
    url: str
    embedded: EmbeddedPostgres | None = None

    def close(self) -> None:
        """Stop the embedded server if this process started it."""
        if self.embedded is not None:
            self.embedded.stop()


async def open_database(url: str | None, data_dir: Path) -> Database:
    """Use ``url`` when given; otherwise start (or attach to) the embedded server."""
    if url:
        return Database(url=url)
    embedded = EmbeddedPostgres(data_dir / "pg")
    server_url = embedded.start()
    try:
        await ensure_database(server_url, EMBEDDED_DATABASE)
    except BaseException:
        embedded.stop()
        raise
    return Database(url=database_url(server_url, EMBEDDED_DATABASE), embedded=embedded)
