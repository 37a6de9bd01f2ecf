"""Kill real processes mid-sync (architecture "the way of one document", step 8; protocol §8.2,
§9.1): a killed connector's run resumes from its last checkpoint, a connector that never comes back
fails the run after 3 attempts, and a killed leader manager hands its work to the other one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from sluice_runtime.clock import SystemClock
from tests.chaos.chaos_connector import document_ids
from tests.chaos.harness import Processes, connector_online, eventually
from tests.integration.scheduling.support import add_source
from tests.support.http import free_port

pytestmark = pytest.mark.chaos

GAVE_UP = "Connector lost the sync run; gave up after 3 resume attempts"


@pytest.fixture
async def procs(db_url: str, tmp_path: Path) -> AsyncIterator[Processes]:
    processes = Processes(db_url, tmp_path)
    try:
        yield processes
    finally:
        await processes.stop_all()


async def _runs(pool: asyncpg.Pool, source_id: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT id, status, error_message, checkpoint, checkpoint_saved, resume_attempts"
        " FROM sync_runs WHERE source_id = $1 ORDER BY id",
        source_id,
    )


async def _saved_next(pool: asyncpg.Pool, source_id: str) -> int:
    """The ``next`` of the running run's saved checkpoint (0 before the first one)."""
    checkpoint = await pool.fetchval(
        "SELECT checkpoint FROM sync_runs WHERE source_id = $1 AND status = 'running'"
        " AND checkpoint_saved",
        source_id,
    )
    return int(checkpoint["next"]) if checkpoint else 0


async def _queued_document_ids(pool: asyncpg.Pool, source_id: str) -> set[str]:
    rows = await pool.fetch(
        "SELECT DISTINCT entity_key FROM event_queue WHERE source_id = $1"
        " AND entity_kind = 'document'",
        source_id,
    )
    return {r["entity_key"] for r in rows}


async def test_killed_connector_resumes_the_same_run_from_its_checkpoint(
    procs: Processes, db_pool: asyncpg.Pool
) -> None:
    count = 40
    _, manager_port = await procs.manager()
    await procs.indexer()
    connector_port = free_port()
    connector = await procs.connector(manager_port, connector_port)
    await eventually(lambda: connector_online(db_pool), 30, "connector registration", procs)
    source = await add_source(
        db_pool,
        now=SystemClock().now(),
        source_type="chaos",
        config={"documents": count, "delay": 0.1, "checkpoint_every": 5},
    )

    async def checkpointed() -> bool:
        return await _saved_next(db_pool, source) >= 10

    await eventually(checkpointed, 30, "a saved checkpoint", procs)
    await connector.kill()
    killed_at = await _saved_next(db_pool, source)
    (run,) = await _runs(db_pool, source)
    assert run["status"] == "running"

    await procs.connector(manager_port, connector_port, name="connector-2")

    async def completed() -> bool:
        rows = await _runs(db_pool, source)
        return bool(rows) and rows[0]["status"] != "running"

    await eventually(completed, 45, "the resumed run to finish", procs)
    runs = await _runs(db_pool, source)
    assert [(r["id"], r["status"]) for r in runs] == [(run["id"], "completed")], procs.dump()
    starts = procs.sync_starts()
    assert starts[0] == {
        "pid": starts[0]["pid"],
        "sync_run_id": run["id"],
        "is_resume": False,
        "checkpoint": None,
    }
    resumes = [s for s in starts[1:] if s["pid"] != starts[0]["pid"]]
    assert resumes, procs.dump()
    assert {s["sync_run_id"] for s in resumes} == {run["id"]}
    assert all(s["is_resume"] for s in resumes)
    assert resumes[0]["checkpoint"]["next"] >= killed_at
    # The source took the run's final checkpoint; the queue holds exactly the source's documents.
    assert await db_pool.fetchval("SELECT checkpoint FROM sources WHERE id = $1", source) == {
        "next": count
    }
    assert await _queued_document_ids(db_pool, source) == document_ids(count)

    async def indexed() -> bool:
        pending = await db_pool.fetchval(
            "SELECT count(*) FROM event_queue WHERE source_id = $1"
            " AND status IN ('pending', 'processing')",
            source,
        )
        return pending == 0

    await eventually(indexed, 30, "the indexer to drain the queue", procs)
    rows = await db_pool.fetch("SELECT external_id FROM documents WHERE source_id = $1", source)
    assert {r["external_id"] for r in rows} == document_ids(count)


async def test_connector_that_never_comes_back_fails_after_three_attempts(
    procs: Processes, db_pool: asyncpg.Pool
) -> None:
    _, manager_port = await procs.manager()
    connector = await procs.connector(manager_port, free_port())
    await eventually(lambda: connector_online(db_pool), 30, "connector registration", procs)
    source = await add_source(
        db_pool,
        now=SystemClock().now(),
        source_type="chaos",
        config={"documents": 1000, "delay": 0.2, "checkpoint_every": 5},
    )

    async def checkpointed() -> bool:
        return await _saved_next(db_pool, source) >= 5

    await eventually(checkpointed, 30, "a saved checkpoint", procs)
    await connector.kill()

    async def failed() -> bool:
        rows = await _runs(db_pool, source)
        return bool(rows) and rows[0]["status"] == "failed"

    await eventually(failed, 50, "the lost run to fail", procs)
    (run,) = await _runs(db_pool, source)
    assert run["error_message"] == GAVE_UP
    assert run["resume_attempts"] == 4
    # The failed run kept its checkpoint; the source's was not promoted (§7.1).
    assert run["checkpoint_saved"]
    assert await db_pool.fetchval("SELECT checkpoint FROM sources WHERE id = $1", source) is None


async def test_killed_leader_manager_hands_over_and_the_pending_sync_happens(
    procs: Processes, db_pool: asyncpg.Pool
) -> None:
    count = 10
    first, first_port = await procs.manager("manager-a")

    async def has_leader() -> bool:
        return bool(
            await db_pool.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 3"
                " AND objid = 0 AND objsubid = 2 AND granted"
            )
        )

    await eventually(has_leader, 30, "manager-a to lead", procs)
    _, second_port = await procs.manager("manager-b")
    # A source whose connector is not there yet: its sync is pending.
    source = await add_source(
        db_pool,
        now=SystemClock().now(),
        source_type="chaos",
        config={"documents": count, "delay": 0.05, "checkpoint_every": 5},
    )
    await first.kill()
    await procs.connector(second_port, free_port())

    async def completed() -> bool:
        rows = await _runs(db_pool, source)
        return bool(rows) and rows[0]["status"] == "completed"

    await eventually(completed, 45, "manager-b to run the pending sync", procs)
    runs = await _runs(db_pool, source)
    assert [r["status"] for r in runs] == ["completed"]
    assert await _queued_document_ids(db_pool, source) == document_ids(count)
    assert first_port != second_port
