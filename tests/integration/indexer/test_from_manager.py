"""The whole way of a document (architecture, steps 4-7): SDK calls on the real manager app,
the real indexer, then search on the manager. Proves the indexer reads the payloads the manager
actually writes (sluice_sdk.models serialisation, sweep rows, NOTIFY)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_indexer.worker import Worker
from sluice_manager.app import create_app
from tests.integration.indexer import factories as f
from tests.integration.manager_sdk.conftest import AUTH, make_settings
from tests.integration.manager_sdk.factories import insert_connector, insert_run, insert_source

ADMIN = {"Authorization": "Bearer admin-secret"}
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def manager(db_pool: asyncpg.Pool) -> AsyncIterator[Client]:
    app = create_app(make_settings(), db_pool, run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        yield client


async def post(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await client.post(path, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    result: dict[str, Any] = await resp.json()
    return result


async def content(client: Client, run: str, text: str) -> str:
    body = await post(client, "/sdk/content", {"sync_run_id": run, "content": text})
    return str(body["content_id"])


async def emit(client: Client, source: str, run: str, events: list[dict[str, Any]]) -> None:
    stamped = [{**e, "sync_run_id": run, "source_id": source} for e in events]
    body = {"sync_run_id": run, "source_id": source, "events": stamped}
    await post(client, "/sdk/events/batch", body)


async def hits(client: Client, q: str, **params: str) -> list[str]:
    resp = await client.get("/api/search", params={"q": q, **params}, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    return [r["external_id"] for r in (await resp.json())["results"]]


def doc(kind: str, doc_id: str, content_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "document_id": doc_id, "content_id": content_id, **extra}


async def test_emit_index_prune_and_search_through_the_manager(
    manager: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    await insert_connector(db_pool, enumerates_all=True, now=datetime.now(UTC))  # §10.7
    source = await insert_source(db_pool)
    first = await insert_run(db_pool, source, sync_type="full")
    private = {"public": False, "users": ["Ann@Example.org"], "groups": []}
    lighthouse = await content(manager, first, "Notes on the keeping of a lighthouse.")
    harbour = await content(manager, first, "The harbour master keeps the tide tables.")
    await emit(
        manager,
        source,
        first,
        [
            doc(
                "document_created",
                "light",
                lighthouse,
                metadata={"title": "Lighthouse"},
                permissions=private,
                attributes={"lang": "en"},
            ),
            doc(
                "document_created",
                "harbour",
                harbour,
                metadata={"title": "Harbour", "size": 42},
                permissions=f.PUBLIC,
            ),
            doc("document_updated", "light", lighthouse, metadata={"url": "https://x/light"}),
            {
                "type": "group_membership_sync",
                "group_email": "Crew@Example.org",
                "member_emails": ["BOB@example.org"],
            },
        ],
    )
    await post(manager, f"/sdk/sync/{first}/complete", {})
    worker = Worker(db_pool, f.settings(db_url))
    await worker.run(burst=True)
    assert await hits(manager, "lighthouse") == ["light"]
    assert await hits(manager, "lighthouse", user="bob@example.org") == []
    assert await hits(manager, "lighthouse", user="ann@example.org") == ["light"]
    async with db_pool.acquire() as conn:
        stored = (await f.documents(conn, source))["light"]
        processed = await conn.fetchval(
            "SELECT documents_processed FROM sync_runs WHERE id = $1", first
        )
    assert stored["permissions"] == private  # kept by the update without permissions
    assert stored["title"] == "Lighthouse"
    assert stored["url"] == "https://x/light"
    assert processed == 3

    # A second full run that no longer lists the harbour document prunes it once it completes.
    second = await insert_run(db_pool, source, sync_type="full", start_seq=await last_seq(db_pool))
    await emit(manager, source, second, [doc("document_updated", "light", lighthouse, metadata={})])
    await worker.run(burst=True)
    assert await hits(manager, "harbour") == ["harbour"]  # not completed yet: nothing pruned
    await post(manager, f"/sdk/sync/{second}/complete", {})
    await worker.run(burst=True)
    assert await hits(manager, "harbour") == []
    assert await hits(manager, "lighthouse") == ["light"]


async def last_seq(pool: asyncpg.Pool) -> int:
    value: int = await pool.fetchval(
        "SELECT coalesce(pg_sequence_last_value("
        "pg_get_serial_sequence('event_queue', 'seq')::regclass), 0)"
    )
    return value
