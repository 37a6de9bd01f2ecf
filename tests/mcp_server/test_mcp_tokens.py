"""MCP tokens: minted by an admin for an MCP client, they open /mcp and nothing else, and stop
working when revoked (stored as digests in ``scoped_tokens``, kind ``mcp``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.integration.admin.factories import ADMIN, make_app
from tests.mcp_server.conftest import mcp_client


@pytest.fixture
async def client(db_pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    app = make_app(db_pool)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def test_an_mcp_token_opens_mcp_only_until_revoked(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    resp = await client.post("/api/mcp-tokens", json={"name": "ann's desktop"}, headers=ADMIN)
    assert resp.status == 201
    minted = await resp.json()
    token = minted["token"]
    assert token.startswith("slm_")
    assert set(minted) == {
        "id",
        "kind",
        "name",
        "token",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    assert (minted["kind"], minted["name"]) == ("mcp", "ann's desktop")
    stored = await db_pool.fetchval(
        "SELECT token_sha256 FROM scoped_tokens WHERE id = $1", minted["id"]
    )
    assert token.encode() not in bytes(stored)

    url = str(client.make_url("/mcp"))
    async with mcp_client(url, token=token) as mcp:
        names = [tool.name for tool in (await mcp.list_tools()).tools]
        assert names == ["search", "get_document"]
    listed = await (await client.get("/api/mcp-tokens", headers=ADMIN)).json()
    assert [t["id"] for t in listed] == [minted["id"]]
    assert listed[0]["last_used_at"] is not None
    assert "token" not in listed[0]

    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/sources", headers=bearer)).status == 401
    assert (await client.get("/sdk/sources/by-type/widgets", headers=bearer)).status == 401
    forged = {"Authorization": f"Bearer {token[:-2]}xx"}
    assert (await client.post("/mcp", json={}, headers=forged)).status == 401

    resp = await client.delete(f"/api/mcp-tokens/{minted['id']}", headers=ADMIN)
    assert resp.status == 200
    assert (await resp.json())["revoked_at"] is not None
    resp = await client.post("/mcp", json={}, headers=bearer)
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.delete("/api/mcp-tokens/nope", headers=ADMIN)).status == 404
