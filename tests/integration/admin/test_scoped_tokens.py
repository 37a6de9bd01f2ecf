"""Scoped connector tokens (issue 19 item 4, protocol §2): one connector id, its source types only.

The shared connector token trusts every connector: with it, any connector reads any source's
credentials. A scoped token, minted by an admin for one connector, registers only that connector
id with only its types, and reaches only sources (and their runs) of those types.
"""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import orjson
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import (
    ADMIN,
    SDK,
    START,
    FakeConnector,
    insert_run,
    register_connector,
    source_body,
)


async def _source(client: TestClient, source_type: str, provider: str = "acme") -> str:
    body = source_body(
        name=f"a {source_type} source",
        source_type=source_type,
        credentials={"provider": provider, "auth_type": "api_key", "credentials": {"key": "k"}},
    )
    resp = await client.post("/api/sources", json=body, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def _mint(client: TestClient, connector_id: str, **body: Any) -> dict[str, Any]:
    resp = await client.post(
        "/api/connector-tokens", json={"connector_id": connector_id, **body}, headers=ADMIN
    )
    assert resp.status == 201, await resp.text()
    minted: dict[str, Any] = await resp.json()
    return minted


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _two_types(client: TestClient, db_pool: asyncpg.Pool) -> tuple[str, str, str]:
    """A widgets source (ours), a gadgets source (not ours) and a widgets-only scoped token."""
    await register_connector(db_pool, connector_id="widgets-conn", source_types=("widgets",))
    await register_connector(db_pool, connector_id="gadgets-conn", source_types=("gadgets",))
    ours = await _source(client, "widgets")
    theirs = await _source(client, "gadgets", provider="other")
    token = (await _mint(client, "widgets-conn"))["token"]
    return ours, theirs, token


async def test_a_scoped_token_reads_only_credentials_of_its_types(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    ours, theirs, token = await _two_types(client, db_pool)
    scoped = _bearer(token)

    resp = await client.get(f"/sdk/credentials/{ours}", headers=scoped)
    assert resp.status == 200
    assert (await resp.json())["credentials"] == {"key": "k"}
    resp = await client.get(f"/sdk/credentials/{theirs}", headers=scoped)
    assert resp.status == 403
    body = await resp.json()
    assert "widgets-conn" in body["error"]
    assert list(body) == ["error"]  # nothing of the refused source's credential
    assert "gadgets" not in body["error"]

    # The shared token still trusts every connector (Omni SDK connectors use it).
    assert (await client.get(f"/sdk/credentials/{theirs}", headers=SDK)).status == 200


async def test_every_sdk_route_checks_the_scope(client: TestClient, db_pool: asyncpg.Pool) -> None:
    _, theirs, token = await _two_types(client, db_pool)
    run = await insert_run(db_pool, theirs)
    scoped = _bearer(token)
    event = {
        "type": "document_deleted",
        "sync_run_id": run,
        "source_id": theirs,
        "document_id": "doc-1",
    }
    form = FormData()
    form.add_field("sync_run_id", run)
    form.add_field("mime_type", "text/plain")
    form.add_field("data", b"hello", filename="file", content_type="text/plain")
    form2 = FormData()
    form2.add_field("sync_run_id", run)
    form2.add_field("mime_type", "text/plain")
    form2.add_field("data", b"hello", filename="file", content_type="text/plain")
    manifest = {
        "name": "gadgets-conn",
        "version": "1.0.0",
        "sync_modes": ["full"],
        "connector_id": "gadgets-conn",
        "connector_url": "http://127.0.0.1:9",
        "source_types": ["gadgets"],
    }
    # (method, route template, concrete path, body): every /sdk route, aimed at what is not ours.
    calls: list[tuple[str, str, str, Any]] = [
        ("POST", "/sdk/register", "/sdk/register", manifest),
        ("POST", "/sdk/events", "/sdk/events",
         {"sync_run_id": run, "source_id": theirs, "event": event}),
        ("POST", "/sdk/events/batch", "/sdk/events/batch",
         {"sync_run_id": run, "source_id": theirs, "events": [event]}),
        ("POST", "/sdk/content", "/sdk/content", {"sync_run_id": run, "content": "x"}),
        ("POST", "/sdk/sync/create", "/sdk/sync/create",
         {"source_id": theirs, "sync_type": "full"}),
        ("POST", "/sdk/sync/cancel", "/sdk/sync/cancel", {"sync_run_id": run}),
        ("POST", "/sdk/webhook/notify", "/sdk/webhook/notify", {"source_id": theirs}),
        ("POST", "/sdk/sync/{id}/heartbeat", f"/sdk/sync/{run}/heartbeat", None),
        ("POST", "/sdk/sync/{id}/scanned", f"/sdk/sync/{run}/scanned", {"count": 5}),
        ("POST", "/sdk/sync/{id}/updated", f"/sdk/sync/{run}/updated", {"count": 5}),
        ("PUT", "/sdk/sync/{id}/checkpoint", f"/sdk/sync/{run}/checkpoint", {"c": 1}),
        ("POST", "/sdk/sync/{id}/complete", f"/sdk/sync/{run}/complete", None),
        ("POST", "/sdk/sync/{id}/fail", f"/sdk/sync/{run}/fail", {"error": "x"}),
        ("POST", "/sdk/extract-content", "/sdk/extract-content", form),
        ("POST", "/sdk/extract-text", "/sdk/extract-text", form2),
        ("GET", "/sdk/source/{source_id}", f"/sdk/source/{theirs}", None),
        ("GET", "/sdk/source/{source_id}/sync-config", f"/sdk/source/{theirs}/sync-config", None),
        ("PUT", "/sdk/source/{source_id}/connector-state",
         f"/sdk/source/{theirs}/connector-state", {"s": 1}),
        ("GET", "/sdk/source/{source_id}/user-email", f"/sdk/source/{theirs}/user-email", None),
        ("GET", "/sdk/credentials/{source_id}", f"/sdk/credentials/{theirs}", None),
        ("GET", "/sdk/sources/by-type/{source_type}", "/sdk/sources/by-type/gadgets", None),
        ("GET", "/sdk/connector-configs/{provider}", "/sdk/connector-configs/other", None),
    ]  # fmt: skip
    # A route added later must be added here too.
    routes = {
        (r.method, r.resource.canonical)
        for r in client.app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith("/sdk/")
        and r.method != "HEAD"
    }
    assert routes == {(method, template) for method, template, _, _ in calls}

    await client.put("/api/connector-configs/other", json={"secret": "s"}, headers=ADMIN)
    for method, _, path, body in calls:
        kwargs: dict[str, Any] = {"headers": scoped}
        if isinstance(body, FormData):
            kwargs["data"] = body
        elif body is not None:
            kwargs["json"] = body
        resp = await client.request(method, path, **kwargs)
        assert resp.status == 403, (method, path, resp.status, await resp.text())
        assert "error" in await resp.json()

    # Nothing was written on the way.
    row = await db_pool.fetchrow("SELECT * FROM sync_runs WHERE id = $1", run)
    assert row["status"] == "running"
    assert row["documents_scanned"] == 0
    assert row["checkpoint"] is None
    assert await db_pool.fetchval("SELECT count(*) FROM event_queue") == 0
    assert await db_pool.fetchval("SELECT count(*) FROM sync_runs") == 1
    source = await db_pool.fetchrow("SELECT * FROM sources WHERE id = $1", theirs)
    assert source["connector_state"] is None
    assert (
        await db_pool.fetchval(
            "SELECT connector_url FROM connectors WHERE connector_id = 'gadgets-conn'"
        )
        == "http://127.0.0.1:9"
    )


async def test_its_own_sources_and_runs_answer_as_usual(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    ours, _, token = await _two_types(client, db_pool)
    run = await insert_run(db_pool, ours)
    scoped = _bearer(token)
    assert (await client.get(f"/sdk/source/{ours}/sync-config", headers=scoped)).status == 200
    listed = await client.get("/sdk/sources/by-type/widgets", headers=scoped)
    assert [s["id"] for s in await listed.json()] == [ours]
    resp = await client.post(f"/sdk/sync/{run}/scanned", json={"count": 2}, headers=scoped)
    assert resp.status == 200
    event = {
        "type": "document_deleted",
        "sync_run_id": run,
        "source_id": ours,
        "document_id": "doc-1",
    }
    resp = await client.post(
        "/sdk/events",
        json={"sync_run_id": run, "source_id": ours, "event": event},
        headers=scoped,
    )
    assert resp.status == 200, await resp.text()
    resp = await client.put(f"/sdk/sync/{run}/checkpoint", json={"page": 2}, headers=scoped)
    assert resp.status == 200
    assert (await client.post(f"/sdk/sync/{run}/complete", headers=scoped)).status == 200
    row = await db_pool.fetchrow("SELECT * FROM sync_runs WHERE id = $1", run)
    assert (row["status"], row["documents_scanned"]) == ("completed", 2)
    # Unknown ids answer as they do for the shared token: nothing there to protect.
    assert (await client.get("/sdk/source/nope", headers=scoped)).status == 404
    assert (await client.post("/sdk/sync/nope/heartbeat", headers=scoped)).status == 200


async def test_registration_with_a_scoped_token(
    client: TestClient, db_pool: asyncpg.Pool, fake_connector: tuple[FakeConnector, str]
) -> None:
    _, url = fake_connector
    token = (await _mint(client, "mine", source_types=["widgets", "gizmos"]))["token"]
    scoped = _bearer(token)

    def manifest(**overrides: Any) -> dict[str, Any]:
        body = {
            "name": "mine",
            "version": "1.0.0",
            "sync_modes": ["full"],
            "connector_id": "mine",
            "connector_url": url,
            "source_types": ["widgets"],
        }
        return body | overrides

    resp = await client.post("/sdk/register", json=manifest(), headers=scoped)
    assert resp.status == 200, await resp.text()
    # The heartbeat path (same body) is accepted too.
    assert (await client.post("/sdk/register", json=manifest(), headers=scoped)).status == 200

    resp = await client.post(
        "/sdk/register", json=manifest(connector_id="someone-else"), headers=scoped
    )
    assert resp.status == 403
    assert "someone-else" in (await resp.json())["error"]
    resp = await client.post(
        "/sdk/register", json=manifest(source_types=["widgets", "gadgets"]), headers=scoped
    )
    assert resp.status == 403
    assert "gadgets" in (await resp.json())["error"]
    ids = await db_pool.fetch("SELECT connector_id, source_types FROM connectors")
    assert [(r["connector_id"], list(r["source_types"])) for r in ids] == [("mine", ["widgets"])]


async def test_a_scoped_token_cannot_heartbeat_another_connectors_manifest(
    client: TestClient, db_pool: asyncpg.Pool, fake_connector: tuple[FakeConnector, str]
) -> None:
    _, url = fake_connector
    theirs = {
        "name": "theirs",
        "version": "1.0.0",
        "sync_modes": ["full"],
        "connector_id": "theirs",
        "connector_url": url,
        "source_types": ["gadgets"],
    }
    raw = orjson.dumps(theirs)
    json_type = {"Content-Type": "application/json"}
    # Registered through the shared token: this replica now answers its heartbeats from memory.
    resp = await client.post("/sdk/register", data=raw, headers=SDK | json_type)
    assert resp.status == 200
    token = (await _mint(client, "mine", source_types=["widgets"]))["token"]
    resp = await client.post("/sdk/register", data=raw, headers=_bearer(token) | json_type)
    assert resp.status == 403


async def test_revoked_and_unknown_tokens_are_refused(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    ours, _, token = await _two_types(client, db_pool)
    path = f"/sdk/source/{ours}"
    assert (await client.get(path, headers=_bearer(token))).status == 200
    listed = await (await client.get("/api/connector-tokens", headers=ADMIN)).json()
    [entry] = listed
    assert entry["last_used_at"] is not None

    resp = await client.delete(f"/api/connector-tokens/{entry['id']}", headers=ADMIN)
    assert resp.status == 200
    assert (await resp.json())["revoked_at"] is not None
    resp = await client.get(path, headers=_bearer(token))
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.get(path, headers=_bearer(token + "x"))).status == 401
    assert (await client.get(path, headers=_bearer("slc_unknown"))).status == 401
    # A scoped token never opens the admin API.
    assert (await client.get("/api/sources", headers=_bearer(token))).status == 401


async def test_admin_api_mints_lists_and_revokes(client: TestClient, db_pool: asyncpg.Pool) -> None:
    await register_connector(db_pool, connector_id="known", source_types=("widgets", "gizmos"))
    minted = await _mint(client, "known", name="laptop")
    token = minted["token"]
    assert token.startswith("slc_")
    assert len(token) > 40
    assert minted["kind"] == "connector"
    assert minted["connector_id"] == "known"
    # Without source_types, the registered connector's types.
    assert minted["source_types"] == ["widgets", "gizmos"]
    assert minted["name"] == "laptop"
    assert minted["created_at"] == START.isoformat().replace("+00:00", "Z")
    assert minted["revoked_at"] is None

    # Stored hashed: the table holds the SHA-256 of the token and never the token.
    row = await db_pool.fetchrow("SELECT * FROM scoped_tokens WHERE id = $1", minted["id"])
    assert bytes(row["token_sha256"]) == hashlib.sha256(token.encode()).digest()
    assert token not in str(dict(row))

    other = await _mint(client, "unregistered", source_types=["things"])
    listed = await (await client.get("/api/connector-tokens", headers=ADMIN)).json()
    assert {e["id"] for e in listed} == {minted["id"], other["id"]}
    assert all("token" not in e for e in listed)
    only = await client.get("/api/connector-tokens?connector_id=known", headers=ADMIN)
    assert [e["id"] for e in await only.json()] == [minted["id"]]

    first = await client.delete(f"/api/connector-tokens/{minted['id']}", headers=ADMIN)
    again = await client.delete(f"/api/connector-tokens/{minted['id']}", headers=ADMIN)
    assert first.status == again.status == 200
    assert (await first.json())["revoked_at"] == (await again.json())["revoked_at"]
    assert (await client.delete("/api/connector-tokens/nope", headers=ADMIN)).status == 404

    # An unregistered connector needs its types named; a type must be a slug.
    resp = await client.post("/api/connector-tokens", json={"connector_id": "ghost"}, headers=ADMIN)
    assert resp.status == 422
    assert "source_types" in (await resp.json())["error"]
    resp = await client.post(
        "/api/connector-tokens",
        json={"connector_id": "x", "source_types": ["Not A Slug"]},
        headers=ADMIN,
    )
    assert resp.status == 422
    # Minting takes the admin token, not a connector token.
    resp = await client.post("/api/connector-tokens", json={"connector_id": "x"}, headers=SDK)
    assert resp.status == 401
