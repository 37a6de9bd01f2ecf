"""Full-sync pruning only for connectors that declare ``full_sync_enumerates_all`` (protocol §10.7,
§11.32): a connector shaped like an Omni SDK one, speaking the wire protocol itself, against the
real manager app and the real indexer.

The connector lists a paged API and, as Omni connectors do, starts every run, full ones included,
at the page of the checkpoint it was sent (§7.2). A full run after a new page appeared therefore
emits only that page; pruning after it would delete every earlier page.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_indexer.worker import Worker
from sluice_manager.app import create_app
from tests.integration.indexer import factories as f
from tests.integration.manager_sdk.conftest import AUTH, make_settings

ADMIN = {"Authorization": "Bearer admin-secret"}
PER_PAGE = 2
Client = TestClient[web.Request, web.Application]


@dataclass
class PagedConnector:
    """A connector over a paged API of ``pages`` pages (``PER_PAGE`` documents each).

    ``honours_checkpoint``: a run starts at the checkpoint's page, as an Omni connector does on any
    run; otherwise a full run starts at page 0, as a Sluice SDK connector does.
    """

    manager_url: str
    declares_enumerates_all: bool
    honours_checkpoint: bool
    pages: int = 6
    first_page: int = 0
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    runs: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_post("/sync", self._sync)
        app.router.add_get("/sync/{run_id}", self._status)
        return app

    def manifest(self) -> dict[str, Any]:
        manifest: dict[str, Any] = {
            "name": "paged",
            "display_name": "Paged API",
            "version": "1.0.0",
            "sync_modes": ["full"],
            "connector_id": "paged",
            "connector_url": self.url,
            "source_types": ["paged_api"],
            "mcp_enabled": False,
        }
        if self.declares_enumerates_all:
            manifest["full_sync_enumerates_all"] = True
        return manifest

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "healthy", "service": "paged"})

    async def _status(self, request: web.Request) -> web.Response:
        task = self.runs.get(request.match_info["run_id"])
        return web.json_response({"running": task is not None and not task.done()})

    async def _sync(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.runs[body["sync_run_id"]] = asyncio.create_task(self._run(body))
        return web.json_response({"status": "started", "message": None})

    async def _run(self, body: dict[str, Any]) -> None:
        run_id, source_id = body["sync_run_id"], body["source_id"]
        start = self.first_page
        if self.honours_checkpoint and isinstance(body.get("checkpoint"), dict):
            start = body["checkpoint"]["page"]
        ctx = {"sync_run_id": run_id, "source_id": source_id}
        async with aiohttp.ClientSession(self.manager_url, headers=AUTH) as http:

            async def call(method: str, path: str, payload: Any) -> dict[str, Any]:
                async with http.request(method, path, json=payload) as resp:
                    assert resp.status == 200, (path, resp.status, await resp.text())
                    answer: dict[str, Any] = await resp.json()
                    return answer

            for page in range(start, self.pages):
                events = []
                for i in range(PER_PAGE):
                    doc_id = f"doc-{page}-{i}"
                    stored = await call(
                        "POST", "/sdk/content", {**ctx, "content": f"page {page} item {i}"}
                    )
                    events.append(
                        {
                            **ctx,
                            "type": "document_created",
                            "document_id": doc_id,
                            "content_id": stored["content_id"],
                            "metadata": {"title": doc_id},
                            "permissions": f.PUBLIC,
                        }
                    )
                await call("POST", "/sdk/events/batch", {**ctx, "events": events})
                await call("PUT", f"/sdk/sync/{run_id}/checkpoint", {"page": page + 1})
            await call("POST", f"/sdk/sync/{run_id}/complete", {})


@pytest.fixture
async def manager(db_pool: asyncpg.Pool) -> AsyncIterator[Client]:
    app = create_app(make_settings(), db_pool, run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        yield client


async def _serve(manager: Client, connector: PagedConnector) -> TestServer:
    server = TestServer(connector.app(), host="127.0.0.1")
    await server.start_server()
    connector.url = str(server.make_url("")).rstrip("/")
    resp = await manager.post("/sdk/register", json=connector.manifest(), headers=AUTH)
    assert resp.status == 200, await resp.text()
    return server


async def _full_sync(manager: Client, connector: PagedConnector, source_id: str) -> None:
    resp = await manager.post(
        f"/api/sources/{source_id}/sync", json={"sync_mode": "full"}, headers=ADMIN
    )
    assert resp.status == 202, await resp.text()
    run_id = (await resp.json())["sync_run_id"]
    await connector.runs[run_id]
    resp = await manager.get(f"/api/sync-runs/{run_id}", headers=ADMIN)
    assert (await resp.json())["status"] == "completed"


async def _documents(db_pool: asyncpg.Pool, source_id: str) -> list[str]:
    async with db_pool.acquire() as conn:
        return sorted(await f.documents(conn, source_id))


def _ids(pages: range) -> list[str]:
    return sorted(f"doc-{page}-{i}" for page in pages for i in range(PER_PAGE))


async def _source(manager: Client) -> str:
    body = {"name": "paged", "source_type": "paged_api", "config": {}}
    resp = await manager.post("/api/sources", json=body, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def test_omni_connector_honouring_its_checkpoint_on_full_runs_loses_nothing(
    manager: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    """§11.32: without the declaration a full run never prunes."""
    base = str(manager.make_url("")).rstrip("/")
    connector = PagedConnector(base, declares_enumerates_all=False, honours_checkpoint=True)
    server = await _serve(manager, connector)
    worker = Worker(db_pool, f.settings(db_url))
    try:
        source_id = await _source(manager)
        await _full_sync(manager, connector, source_id)
        await worker.run(burst=True)
        assert await _documents(db_pool, source_id) == _ids(range(6))

        connector.pages = 7  # a page appears; the next full run is sent checkpoint {"page": 6}
        await _full_sync(manager, connector, source_id)
        assert connector.requests[-1]["checkpoint"] == {"page": 6}
        await worker.run(burst=True)
        assert await _documents(db_pool, source_id) == _ids(range(7))
    finally:
        await server.close()


async def test_connector_that_declares_enumerates_all_is_pruned(
    manager: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    """§10.7: a declaring connector's full run removes what it no longer lists."""
    base = str(manager.make_url("")).rstrip("/")
    connector = PagedConnector(base, declares_enumerates_all=True, honours_checkpoint=False)
    server = await _serve(manager, connector)
    worker = Worker(db_pool, f.settings(db_url))
    try:
        source_id = await _source(manager)
        await _full_sync(manager, connector, source_id)
        await worker.run(burst=True)
        assert await _documents(db_pool, source_id) == _ids(range(6))

        connector.first_page = 1  # page 0 was deleted at the source
        await _full_sync(manager, connector, source_id)
        await worker.run(burst=True)
        assert await _documents(db_pool, source_id) == _ids(range(1, 6))
    finally:
        await server.close()
