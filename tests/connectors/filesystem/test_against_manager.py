"""The filesystem connector against the real manager: events queued, documents extracted there."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from sluice_connector_filesystem.connector import FilesystemConnector
from sluice_manager.app import create_app
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import FrozenClock
from sluice_sdk.client import ManagerClient
from sluice_sdk.models import SyncRequest
from sluice_sdk.runs import execute_run
from tests.integration.manager_sdk.factories import insert_run, insert_source

EXTRACTION = Path(__file__).parents[2] / "fixtures" / "extraction"


async def test_full_sync_lands_in_the_queue_with_extracted_text(
    db_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("# Handbook\n\nHow we work.\n")
    shutil.copy(EXTRACTION / "handbook.docx", tmp_path / "onboarding.docx")
    source_id = await insert_source(db_pool, source_type="filesystem")
    await db_pool.execute(
        "UPDATE sources SET config = $2 WHERE id = $1", source_id, {"roots": [str(tmp_path)]}
    )
    clock = FrozenClock()
    run_id = await insert_run(db_pool, source_id, now=clock.now())
    settings = ManagerSettings(admin_token="adm", connector_token="con1")  # type: ignore[arg-type]
    app = create_app(settings, db_pool, clock=clock, run_leader_work=False)
    async with (
        TestClient(TestServer(app)) as http,
        ManagerClient(str(http.make_url("")), "con1") as client,
    ):
        request = SyncRequest(sync_run_id=run_id, source_id=source_id, sync_mode="full")
        outcome = await execute_run(FilesystemConnector(), client, request)
    assert outcome == "completed"
    rows = await db_pool.fetch(
        "SELECT entity_key, payload FROM event_queue WHERE sync_run_id = $1 "
        "AND entity_kind = 'document' ORDER BY seq",
        run_id,
    )
    assert [r["entity_key"] for r in rows] == ["README.md", "onboarding.docx"]
    docx = rows[1]["payload"]
    text = await db_pool.fetchval(
        "SELECT content FROM content_blobs WHERE id = $1", docx["content_id"]
    )
    assert "Welcome to the platform team" in text
    assert docx["metadata"]["path"] == "onboarding.docx"
    status = await db_pool.fetchval("SELECT status FROM sync_runs WHERE id = $1", run_id)
    assert status == "completed"
