"""A filesystem sync that meets the manager's outage answer does not fail its run (issue 19 item 8).

Every ``/sdk/...`` call the run makes first meets the error Postgres gives while it restarts
(``CannotConnectNowError``), raised where the manager's handlers meet the database, so the real
middleware answers it: 503 with ``Retry-After`` and the error envelope. The SDK retries 503 like
429/502/504, and the run completes with every document queued.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler

from sluice_connector_filesystem.connector import FilesystemConnector
from sluice_manager.app import create_app
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import FrozenClock
from sluice_sdk.client import ManagerClient
from sluice_sdk.models import SyncRequest
from sluice_sdk.runs import execute_run
from tests.integration.manager_sdk.factories import insert_run, insert_source


async def test_a_sync_survives_one_outage_answer_per_call(
    db_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    for name in ("a.md", "b.md", "c.md"):
        (tmp_path / name).write_text(f"# {name}\n\nSome text.\n")
    source_id = await insert_source(db_pool, source_type="filesystem")
    await db_pool.execute(
        "UPDATE sources SET config = $2 WHERE id = $1", source_id, {"roots": [str(tmp_path)]}
    )
    clock = FrozenClock()
    run_id = await insert_run(db_pool, source_id, now=clock.now())
    settings = ManagerSettings(
        admin_token="adm",  # type: ignore[arg-type]
        connector_token="con1",  # type: ignore[arg-type]
        database_retry_after_seconds=0,
    )
    app = create_app(settings, db_pool, clock=clock, run_leader_work=False)
    answered: list[tuple[str, int]] = []
    failed_once: set[str] = set()

    @web.middleware
    async def postgres_restarting(request: web.Request, handler: Handler) -> web.StreamResponse:
        # Inside the manager's middleware: what a handler raises here, the manager answers.
        if request.path.startswith("/sdk/") and request.path not in failed_once:
            failed_once.add(request.path)
            await request.read()
            raise asyncpg.CannotConnectNowError("the database system is starting up")
        return await handler(request)

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        answered.append((request.path, response.status))
        if response.status == 503:
            assert response.headers["Retry-After"] == "0"
        return response

    app.middlewares.insert(0, record)
    app.middlewares.append(postgres_restarting)
    async with (
        TestClient(TestServer(app)) as http,
        ManagerClient(str(http.make_url("")), "con1") as client,
    ):
        request = SyncRequest(sync_run_id=run_id, source_id=source_id, sync_mode="full")
        outcome = await execute_run(FilesystemConnector(), client, request)

    assert outcome == "completed"
    assert "/sdk/events/batch" in failed_once
    assert ("/sdk/events/batch", 503) in answered
    assert ("/sdk/events/batch", 200) in answered
    keys = await db_pool.fetch(
        "SELECT entity_key FROM event_queue WHERE sync_run_id = $1 ORDER BY seq", run_id
    )
    assert [k["entity_key"] for k in keys] == ["a.md", "b.md", "c.md"]
    status = await db_pool.fetchval("SELECT status FROM sync_runs WHERE id = $1", run_id)
    assert status == "completed"
