from pathlib import Path

import asyncpg
import pytest

from sluice_sql.embedded import EmbeddedPostgres, ensure_database, read_running_server
from sluice_sql.errors import EmbeddedPostgresError


async def test_start_reuse_and_clean_stop(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    first = EmbeddedPostgres(data_dir, unsafe_fast=True)
    url = first.start()
    try:
        assert first.started_here
        await ensure_database(url, "sluice")
        conn = await asyncpg.connect(url.rsplit("/", 1)[0] + "/sluice")
        await conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
        await conn.close()

        # A second handle on the same directory attaches instead of starting a second server,
        # and stopping it leaves the first one's server running.
        second = EmbeddedPostgres(data_dir)
        assert second.start() == url
        assert not second.started_here
        second.stop()
        assert read_running_server(data_dir) is not None
    finally:
        first.stop()
    assert read_running_server(data_dir) is None

    # Restart on the same data directory: the data is still there.
    again = EmbeddedPostgres(data_dir, unsafe_fast=True)
    url = again.start()
    try:
        conn = await asyncpg.connect(url.rsplit("/", 1)[0] + "/sluice")
        assert await conn.fetchval("SELECT v FROM kept") == "still here"
        await conn.close()
    finally:
        again.stop()


def test_foreign_directory_is_refused_with_clear_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    data_dir.mkdir()
    (data_dir / "holiday.jpg").write_bytes(b"not postgres")
    with pytest.raises(EmbeddedPostgresError, match="not a Postgres data directory"):
        EmbeddedPostgres(data_dir).start()


def test_unwritable_location_is_refused_with_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory")
    with pytest.raises(EmbeddedPostgresError, match="cannot create the Postgres data directory"):
        EmbeddedPostgres(blocker / "pg").start()
