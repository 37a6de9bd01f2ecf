"""A whole run driven by a connector that makes raw HTTP calls, no SDK (protocol §4, §7, §10)."""

from __future__ import annotations

import aiohttp
import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.integration.manager_sdk.conftest import AUTH
from tests.integration.manager_sdk.factories import insert_source, queue_rows, source_row

Client = TestClient[web.Request, web.Application]


async def test_raw_http_connector_drives_a_full_run(client: Client, db_pool: asyncpg.Pool) -> None:
    async def healthy(_: web.Request) -> web.Response:
        return web.json_response({"status": "healthy"})

    health = web.Application()
    health.router.add_get("/health", healthy)
    source_id = await insert_source(db_pool, source_type="raw_type", checkpoint={"page": 0})
    base = str(client.make_url("")).rstrip("/")
    async with TestServer(health) as connector, aiohttp.ClientSession(headers=AUTH) as http:

        async def call(method: str, path: str, **kwargs: object) -> dict[str, object]:
            async with http.request(method, base + path, **kwargs) as resp:  # type: ignore[arg-type]
                assert resp.status == 200, (path, resp.status, await resp.text())
                body: dict[str, object] = await resp.json()
                return body

        manifest = {
            "name": "raw",
            "version": "0.1",
            "sync_modes": ["full"],
            "connector_id": "raw-connector",
            "connector_url": str(connector.make_url("")).rstrip("/"),
            "source_types": ["raw_type"],
            "full_sync_enumerates_all": True,  # its full runs list everything: pruned (§10.7)
        }
        assert await call("POST", "/sdk/register", json=manifest) == {"status": "ok"}
        created = await call(
            "POST", "/sdk/sync/create", json={"source_id": source_id, "sync_type": "full"}
        )
        run_id = str(created["sync_run_id"])
        ctx = {"sync_run_id": run_id, "source_id": source_id}

        stored = await call("POST", "/sdk/content", json={**ctx, "content": " Hello\r\nworld "})
        content_id = stored["content_id"]
        events = [
            {
                **ctx,
                "type": "document_created",
                "document_id": f"doc-{i}",
                "content_id": content_id,
                "metadata": {"title": f"Doc {i}", "size": "11"},
                "permissions": {"public": True, "users": [], "groups": []},
            }
            for i in range(3)
        ]
        events.append({**ctx, "type": "document_deleted", "document_id": "gone"})
        batch = {**ctx, "events": events}
        assert await call("POST", "/sdk/events/batch", json=batch) == {"status": "ok"}
        await call("POST", f"/sdk/sync/{run_id}/scanned", json={"count": 4})
        await call("PUT", f"/sdk/sync/{run_id}/checkpoint", json={"page": 7})
        await call("POST", f"/sdk/sync/{run_id}/heartbeat")
        complete_body = {"documents_scanned": 4, "documents_updated": 0}
        await call("POST", f"/sdk/sync/{run_id}/complete", json=complete_body)

    blob = await db_pool.fetchval("SELECT content FROM content_blobs WHERE id = $1", content_id)
    assert blob == "Hello\nworld"
    rows = await queue_rows(db_pool, source_id)
    assert [(r["event_type"], r["entity_key"]) for r in rows] == [
        ("document_created", "doc-0"),
        ("document_created", "doc-1"),
        ("document_created", "doc-2"),
        ("document_deleted", "gone"),
        ("full_sync_sweep", run_id),
    ]
    assert rows[0]["payload"]["content_id"] == content_id
    run = await db_pool.fetchrow("SELECT * FROM sync_runs WHERE id = $1", run_id)
    assert run is not None
    assert run["status"] == "completed"
    assert (run["documents_emitted"], run["documents_scanned"]) == (4, 4)
    assert rows[-1]["payload"] == {
        "sync_run_id": run_id,
        "source_id": source_id,
        "start_seq": run["start_seq"],
    }
    assert (await source_row(db_pool, source_id))["checkpoint"] == {"page": 7}
