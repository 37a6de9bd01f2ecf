"""SIGTERM in the middle of a batch: the batch in hand is finished and committed, then exit 0."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import asyncpg
import pytest

from tests.chaos.test_indexer_kill import start_indexer, wait_until
from tests.integration.indexer import factories as f

pytestmark = pytest.mark.chaos


async def test_sigterm_finishes_the_batch_in_hand(
    db_pool: asyncpg.Pool, db_url: str, tmp_path: Path
) -> None:
    paragraph = "Ships leave the harbour at dawn and come back with the tide. " * 80
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        events = [
            f.created(f"d{i}", await f.add_blob(conn, f"{i} {paragraph}"), title=f"Doc {i}")
            for i in range(1500)
        ]
        await f.enqueue(conn, source, run, events)
    proc = start_indexer(db_url, tmp_path, "indexer.log")
    try:
        async with db_pool.acquire() as conn:
            await wait_until(
                conn,
                "SELECT count(*) > 0 FROM event_queue WHERE status = 'processing'",
                time.monotonic() + 60,
            )
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            processing = await conn.fetchval(
                "SELECT count(*) FROM event_queue WHERE status = 'processing'"
            )
            left = await conn.fetchval("SELECT count(*) FROM event_queue")
            indexed = await conn.fetchval("SELECT count(*) FROM documents")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = (tmp_path / "indexer.log").read_text(errors="replace")
    assert proc.returncode == 0, log[-2000:]
    assert processing == 0  # nothing abandoned to the visibility timeout
    assert indexed > 0
    assert left > 0  # it stopped instead of draining everything
    assert indexed + left == 1500
    assert "indexer_stopped" in log


async def test_sluice_indexer_command_listens_and_stops_on_sigterm(
    db_url: str, tmp_path: Path
) -> None:
    proc = start_indexer(db_url, tmp_path, "cli.log", ("-m", "sluice_cli.main", "indexer"))
    log_path = tmp_path / "cli.log"
    try:
        deadline = time.monotonic() + 60
        while "indexer_listening" not in log_path.read_text(errors="replace"):
            assert proc.poll() is None, log_path.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "indexer_stopped" in log_path.read_text(errors="replace")
