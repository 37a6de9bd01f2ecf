"""What the admin API used to accept silently and now refuses (issue 19 item 9): a source type no
connector declares, a cron that never fires, and members no admin body has. (Declarative sources,
of the type the declarative runtime declares, need no registered runtime: tests/integration/catalog
create them with none.)"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import (
    ADMIN,
    START,
    insert_queue_row,
    insert_run,
    register_connector,
    source_body,
)
from tests.integration.catalog.descriptors import SLUG


async def test_an_unknown_source_type_needs_allow_unknown_type(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    resp = await client.post("/api/sources", json=source_body(), headers=ADMIN)
    assert resp.status == 422
    assert "widgets" in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT count(*) FROM sources") == 0

    resp = await client.post(
        "/api/sources?allow_unknown_type=true", json=source_body(), headers=ADMIN
    )
    assert resp.status == 201, await resp.text()
    resp = await client.post(
        "/api/sources?allow_unknown_type=maybe", json=source_body(), headers=ADMIN
    )
    assert resp.status == 400


async def test_a_type_any_registered_connector_declares_is_known(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    # Registered long ago and offline now: still known (§8.1 keeps its manifest).
    await register_connector(db_pool, heartbeat_at=START.replace(year=2020))
    resp = await client.post("/api/sources", json=source_body(), headers=ADMIN)
    assert resp.status == 201, await resp.text()


@pytest.mark.parametrize("cron", ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6 *"])
async def test_a_cron_that_never_fires(
    client: TestClient, db_pool: asyncpg.Pool, cron: str
) -> None:
    await register_connector(db_pool)
    resp = await client.post("/api/sources", json=source_body(sync_cron=cron), headers=ADMIN)
    assert resp.status == 422
    assert "never fires" in (await resp.json())["error"]
    resp = await client.post("/api/sources", json=source_body(), headers=ADMIN)
    source_id = (await resp.json())["id"]
    resp = await client.patch(f"/api/sources/{source_id}", json={"sync_cron": cron}, headers=ADMIN)
    assert resp.status == 422
    # A leap day fires, every four years.
    resp = await client.patch(
        f"/api/sources/{source_id}", json={"sync_cron": "0 0 29 2 *"}, headers=ADMIN
    )
    assert resp.status == 200


async def _unknown_member(client: TestClient, method: str, path: str, body: Any) -> str:
    resp = await client.request(method, path, json=body, headers=ADMIN)
    assert resp.status == 422, (path, resp.status, await resp.text())
    return str((await resp.json())["error"])


async def test_unknown_members_of_every_admin_body_are_named(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(db_pool)
    assert await _unknown_member(
        client, "POST", "/api/sources", source_body(sync_intervall_seconds=60)
    ) == ("sync_intervall_seconds: unknown field")
    assert await db_pool.fetchval("SELECT count(*) FROM sources") == 0
    resp = await client.post("/api/sources", json=source_body(), headers=ADMIN)
    source_id = (await resp.json())["id"]
    run_id = await insert_run(db_pool, source_id)
    seq = await insert_queue_row(db_pool, source_id, status="dead_letter")
    credentials = {"provider": "p", "credentials": {"any": "member"}, "secret": "x"}
    cases: list[tuple[str, str, Any, str]] = [
        ("PATCH", f"/api/sources/{source_id}", {"nme": "x"}, "nme"),
        ("PATCH", f"/api/sources/{source_id}", {"credentials": credentials}, "credentials.secret"),
        (
            "POST",
            "/api/sources",
            source_body(descriptor={"slug": SLUG, "versoin": "1"}, source_type=None),
            "descriptor.versoin",
        ),
        ("POST", f"/api/sources/{source_id}/sync", {"sync_mode": "full", "force": 1}, "force"),
        ("POST", f"/api/sources/{source_id}/actions/x", {"parms": {}}, "parms"),
        ("POST", f"/api/sources/{source_id}/oauth/start", {"scope": ["a"]}, "scope"),
        ("POST", "/api/queue/dead-letters/requeue", {"seqs": [seq], "sq": 1}, "sq"),
        ("PATCH", f"/api/descriptors/{SLUG}/1.0.0", {"stauts": "published"}, "stauts"),
    ]
    for method, path, body, field in cases:
        assert await _unknown_member(client, method, path, body) == f"{field}: unknown field"
    assert await db_pool.fetchval("SELECT count(*) FROM sync_runs") == 1
    assert await db_pool.fetchval("SELECT status FROM sync_runs WHERE id = $1", run_id) == "running"

    # Free-form objects (a config, a secret, action params) take any member.
    resp = await client.patch(
        f"/api/sources/{source_id}", json={"config": {"anything": 1}}, headers=ADMIN
    )
    assert resp.status == 200, await resp.text()


async def test_the_openapi_document_says_admin_bodies_are_closed(client: TestClient) -> None:
    doc = await (await client.get("/api/openapi.json", headers=ADMIN)).json()
    schemas = doc["components"]["schemas"]
    create = doc["paths"]["/api/sources"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["additionalProperties"] is False
    assert create["schema"]["properties"]["config"]["additionalProperties"] is True
    assert schemas["CredentialInput"]["additionalProperties"] is False
    # SDK bodies stay open: receivers ignore unknown members there (§1.3).
    heartbeat = doc["paths"]["/sdk/sync/create"]["post"]["requestBody"]["content"]
    sdk_schema = heartbeat["application/json"]["schema"]
    target = schemas[sdk_schema["$ref"].rsplit("/", 1)[1]] if "$ref" in sdk_schema else sdk_schema
    assert target.get("additionalProperties") is not False
