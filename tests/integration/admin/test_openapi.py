"""``GET /api/openapi.json`` describes every admin and SDK route, from the live router."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator

from sluice_manager.openapi import ROUTE_DOCS, describe
from tests.integration.admin.factories import ADMIN, make_app


async def test_document_lists_routes_with_bodies(client: TestClient) -> None:
    resp = await client.get("/api/openapi.json", headers=ADMIN)
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    for path, method in [
        ("/api/sources", "post"),
        ("/api/sources/{id}", "patch"),
        ("/api/sync-runs/{id}/cancel", "post"),
        ("/api/queue/dead-letters/requeue", "post"),
        ("/sdk/source/{source_id}/sync-config", "get"),
        ("/sdk/source/{source_id}/connector-state", "put"),
        ("/api/connectors", "get"),
        ("/api/descriptors", "post"),
        ("/api/descriptors/validate", "post"),
        ("/api/descriptors/{slug}/{version}", "get"),
        ("/api/sources/{id}/oauth/start", "post"),
    ]:
        assert method in paths[path], (path, method)
    create = paths["/api/sources"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert "source_type" in schema["properties"]
    assert create["security"] == [{"adminToken": []}]
    assert paths["/sdk/source/{source_id}"]["get"]["security"] == [{"connectorToken": []}]
    assert paths["/api/sources/{id}"]["get"]["parameters"][0]["name"] == "id"
    # The OAuth callback is the one admin-area route without the admin token.
    assert "security" not in paths["/api/oauth/callback"]["get"]
    push = paths["/api/descriptors"]["post"]
    assert {p["name"] for p in push["parameters"]} == {"status", "visibility"}
    # Every component schema is itself a valid JSON Schema.
    for definition in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(definition)
    # A response model never describes the credential secret.
    admin_source = doc["components"]["schemas"].get("CredentialSummaryOutput", {})
    assert "credentials" not in admin_source.get("properties", {})


async def test_routes_added_later_appear(db_pool: asyncpg.Pool) -> None:
    app = make_app(db_pool)

    async def extra(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_post("/api/extra/{thing}", extra)
    describe("POST", "/api/extra/{thing}", response=dict[str, int])
    try:
        async with TestClient(TestServer(app)) as client:
            doc = await (await client.get("/api/openapi.json", headers=ADMIN)).json()
    finally:
        ROUTE_DOCS.pop(("POST", "/api/extra/{thing}"))
    op = doc["paths"]["/api/extra/{thing}"]["post"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "object"


async def test_openapi_needs_the_admin_token(client: TestClient) -> None:
    assert (await client.get("/api/openapi.json")).status == 401
