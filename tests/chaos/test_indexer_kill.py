"""An indexer killed with SIGKILL in the middle of a batch loses nothing once restarted (§10.5)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from tests.integration.indexer import factories as f

pytestmark = pytest.mark.chaos

DOCS = 600
ROOT = Path(__file__).resolve().parents[2]


def start_indexer(
    db_url: str, tmp_path: Path, log_name: str, command: tuple[str, ...] = ("-m", "sluice_indexer")
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(
        {
            "SLUICE_DATABASE_URL": db_url,
            "SLUICE_DATA_DIR": str(tmp_path),
            "SLUICE_CLAIM_BATCH_SIZE": "150",
            "SLUICE_QUEUE_POLL_INTERVAL_SECONDS": "0.2",
            "SLUICE_QUEUE_VISIBILITY_TIMEOUT_SECONDS": "2",
            "SLUICE_VISIBILITY_SWEEP_INTERVAL_SECONDS": "0.5",
            "SLUICE_LOG_JSON": "true",
        }
    )
    with (tmp_path / log_name).open("wb") as log:
        return subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=env, stdout=log, stderr=log
        )


async def wait_until(conn: asyncpg.Connection, query: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if await conn.fetchval(query):
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(query)


async def test_sigkill_mid_batch_then_restart_indexes_everything_once(
    db_pool: asyncpg.Pool, db_url: str, tmp_path: Path
) -> None:
    paragraph = "Rivers carry silt from the hills down to the sea, year after year. " * 60
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        first = [await f.add_blob(conn, f"{i} first {paragraph}") for i in range(DOCS)]
        latest = [await f.add_blob(conn, f"{i} latest {paragraph}") for i in range(DOCS)]
        events = [f.created(f"d{i}", first[i], title=f"Doc {i}") for i in range(DOCS)]
        events += [f.updated(f"d{i}", latest[i], title=f"Doc {i} v2") for i in range(DOCS)]
        await f.enqueue(conn, source, run, events)

    proc = start_indexer(db_url, tmp_path, "first.log")
    try:
        async with db_pool.acquire() as conn:
            deadline = time.monotonic() + 60
            # Some work is done and a batch is in hand: kill it there.
            await wait_until(conn, "SELECT count(*) > 0 FROM documents", deadline)
            await wait_until(
                conn, "SELECT count(*) > 0 FROM event_queue WHERE status = 'processing'", deadline
            )
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            in_hand = await conn.fetchval(
                "SELECT count(*) FROM event_queue WHERE status = 'processing'"
            )
            assert in_hand > 0
            assert await conn.fetchval("SELECT count(*) FROM event_queue") > 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    proc = start_indexer(db_url, tmp_path, "second.log")
    try:
        async with db_pool.acquire() as conn:
            await wait_until(conn, "SELECT count(*) = 0 FROM event_queue", time.monotonic() + 90)
            rows = await conn.fetch(
                "SELECT external_id, title, content, tsv IS NOT NULL AS indexed FROM documents"
                " WHERE source_id = $1",
                source,
            )
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log = (tmp_path / "second.log").read_text(errors="replace")
        assert proc.returncode == 0, log[-2000:]
        assert "indexer_claims_expired" in log  # the killed batch came back by visibility timeout
        assert "indexer_stopped" in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(rows) == DOCS
    by_id = {r["external_id"]: r for r in rows}
    for i in range(DOCS):
        row = by_id[f"d{i}"]
        assert row["title"] == f"Doc {i} v2"
        assert row["content"] == f"{i} latest {paragraph}"
        assert row["indexed"]
