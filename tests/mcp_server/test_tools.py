"""The manager as an MCP server, met by the ``mcp`` SDK's client over Streamable HTTP (docs/mcp.md).

A manager process, the SDK's ``notes`` test connector as another, documents written by the real
indexer; stateful sessions with SSE answers (the default) and stateless ones with JSON answers, in
both protocol eras the client speaks (the 2025 handshake, ``legacy``, and 2026-07-28's
per-request envelope, ``auto``).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import asyncpg
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from tests.chaos.harness import ADMIN_TOKEN, Processes, eventually
from tests.integration.indexer import factories as f
from tests.mcp_server.conftest import Manager, StartManager, mcp_client, start_notes

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PRIVATE_NOTE = "The quarterly budget for the lighthouse restoration is confidential."
PUBLIC_NOTE = "The lighthouse keeper's logbook records every storm since 1890."


async def _index_documents(db_pool: asyncpg.Pool, db_url: str) -> str:
    """Two documents by the real indexer: one public, one only ann@example.com may read."""
    from sluice_indexer.worker import Worker

    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        events = [
            f.created("logbook", await f.add_blob(conn, PUBLIC_NOTE), title="Logbook"),
            f.created(
                "budget",
                await f.add_blob(conn, PRIVATE_NOTE),
                title="Budget",
                permissions={"public": False, "users": ["ann@example.com"], "groups": []},
            ),
        ]
        await f.enqueue(conn, source, run, events)
    await Worker(db_pool, f.settings(db_url)).run(burst=True)
    return source


def _text(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


def _names(listed: types.ListToolsResult) -> list[str]:
    return [tool.name for tool in listed.tools]


async def _tool_listed(manager: Manager, name: str) -> bool:
    async with mcp_client(f"{manager.url}/mcp") as client:
        return name in _names(await client.list_tools())


@pytest.mark.parametrize(
    ("mode", "env"),
    [
        ("legacy", {}),
        ("auto", {}),
        ("legacy", {"SLUICE_MCP_STATELESS": "true", "SLUICE_MCP_JSON_RESPONSE": "true"}),
        ("auto", {"SLUICE_MCP_STATELESS": "true", "SLUICE_MCP_JSON_RESPONSE": "true"}),
    ],
    ids=["handshake-stateful-sse", "modern-sse", "handshake-stateless-json", "modern-json"],
)
async def test_search_documents_and_run_actions_as_tools(
    procs: Processes,
    start_manager: StartManager,
    db_pool: asyncpg.Pool,
    db_url: str,
    mode: str,
    env: dict[str, str],
) -> None:
    indexed = await _index_documents(db_pool, db_url)
    manager = await start_manager(**env)
    await start_notes(procs, manager)
    await eventually(lambda: manager.connector_online("notes"), 30, "notes to register", procs)
    source_id = await manager.notes_source("Team Notes")
    read_only = await manager.notes_source("Archive", config={"read_only": True})

    async with mcp_client(f"{manager.url}/mcp", mode=mode) as client:
        listed = await client.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        assert _names(listed) == [
            "search",
            "get_document",
            "team-notes__lookup",
            "team-notes__add_note",
            "team-notes__explode",
            "archive__lookup",  # a read-only source offers no write action
            "archive__explode",
        ]
        lookup = tools["team-notes__lookup"]
        assert lookup.input_schema["type"] == "object"
        assert lookup.input_schema["required"] == ["q"]
        assert set(lookup.input_schema["properties"]) == {"q", "limit"}
        assert lookup.annotations is not None
        assert lookup.annotations.read_only_hint is True
        assert "Team Notes" in (lookup.description or "")
        assert tools["team-notes__add_note"].annotations.read_only_hint is False  # type: ignore[union-attr]

        # search, with and without the caller's user: the permission filter of /api/search.
        found = await client.call_tool("search", {"query": "lighthouse"})
        assert not found.is_error, _text(found)
        hits = found.structured_content["results"]
        assert {hit["external_id"] for hit in hits} == {"logbook", "budget"}  # the admin's view
        as_bob = await client.call_tool(
            "search", {"query": "lighthouse", "user": "bob@example.com"}
        )
        assert {hit["external_id"] for hit in as_bob.structured_content["results"]} == {"logbook"}
        as_ann = await client.call_tool(
            "search", {"query": "lighthouse", "user": "ann@example.com"}
        )
        hits = as_ann.structured_content["results"]
        assert {hit["external_id"] for hit in hits} == {"logbook", "budget"}
        assert json.loads(_text(as_ann)) == as_ann.structured_content
        budget = next(hit for hit in hits if hit["external_id"] == "budget")
        document = await client.call_tool("get_document", {"document_id": budget["document_id"]})
        assert document.structured_content["content"] == PRIVATE_NOTE
        assert document.structured_content["source_id"] == indexed
        missing = await client.call_tool("get_document", {"document_id": 999999})
        assert missing.is_error
        assert "not found" in _text(missing)
        refused = await client.call_tool("search", {"query": ""})
        assert refused.is_error
        assert "query" in _text(refused)

        # an action of the connector, through the admin API's path (config copied into params).
        looked = await client.call_tool("team-notes__lookup", {"q": "storms"})
        assert not looked.is_error, _text(looked)
        assert looked.structured_content == {
            "q": "storms",
            "limit": 5,
            "team": "platform",
            "token_ok": True,
            "actor_email": None,
        }
        added = await client.call_tool("team-notes__add_note", {"text": "buy oil"})
        assert added.structured_content == {"added": "buy oil", "source_id": source_id}

        # errors of actions are tool results the model reads, never protocol errors.
        exploded = await client.call_tool("team-notes__explode", {})
        assert exploded.is_error
        assert "quota exceeded" in _text(exploded)
        wrong = await client.call_tool("team-notes__lookup", {"limit": "many"})
        assert wrong.is_error
        assert "invalid params" in _text(wrong)
        status, _ = await manager.call("DELETE", f"/api/sources/{read_only}")
        assert status in (200, 204)
        gone = await client.call_tool("archive__lookup", {"q": "x"})
        assert gone.is_error
        assert f"source {read_only} not found" in _text(gone)


async def test_offline_connector_is_a_tool_error_and_leaves_the_list(
    procs: Processes, start_manager: StartManager
) -> None:
    manager = await start_manager(SLUICE_REGISTRY_TTL_SECONDS="3")
    notes = await start_notes(procs, manager)
    await eventually(lambda: manager.connector_online("notes"), 30, "notes to register", procs)
    await manager.notes_source("Team Notes")
    async with mcp_client(f"{manager.url}/mcp") as client:
        assert "team-notes__lookup" in _names(await client.list_tools())
        await notes.stop()

        async def offline() -> bool:
            return not await manager.connector_online("notes")

        await eventually(offline, 30, "notes to go offline", procs)
        assert _names(await client.list_tools()) == ["search", "get_document"]
        result = await client.call_tool("team-notes__lookup", {"q": "x"})
        assert result.is_error
        assert "no online connector for source type notes" in _text(result)
        with pytest.raises(MCPError, match="unknown tool"):
            await client.call_tool("never__listed", {})


async def test_token_and_host_checks(start_manager: StartManager) -> None:
    manager = await start_manager()
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    bearer = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with aiohttp.ClientSession() as http:

        async def post(path: str, headers: dict[str, str]) -> tuple[int, Any, str]:
            async with http.post(manager.url + path, json=initialize, headers=headers) as resp:
                return resp.status, resp.headers, await resp.text()

        status, headers, body = await post("/mcp", accept)
        assert status == 401
        assert headers["WWW-Authenticate"] == "Bearer"
        assert json.loads(body) == {"error": "missing or invalid admin or MCP token"}
        status, _, _ = await post("/mcp", {**accept, "Authorization": "Bearer wrong"})
        assert status == 401
        status, _, _ = await post("/mcp/some-server", accept)
        assert status == 401
        # DNS rebinding: a page on another site reaching the manager under a name it controls.
        status, _, _ = await post("/mcp", {**accept, **bearer, "Host": "evil.example:8090"})
        assert status == 421
        origin = {"Origin": "http://evil.example"}
        status, _, _ = await post("/mcp", {**accept, **bearer, **origin})
        assert status == 403
        status, headers, _ = await post("/mcp", {**accept, **bearer})
        assert status == 200
        assert headers["Mcp-Session-Id"]
        status, _, body = await post("/mcp/no-such-server", {**accept, **bearer})
        assert status == 404
        assert "no-such-server" in json.loads(body)["error"]


async def test_allowed_hosts_come_from_settings(start_manager: StartManager) -> None:
    manager = await start_manager(
        SLUICE_PUBLIC_URL="https://sluice.example.com", SLUICE_MCP_ALLOWED_HOSTS=""
    )
    headers = {
        "Accept": "application/json, text/event-stream",
        "Authorization": f"Bearer {ADMIN_TOKEN}",
        "Content-Type": "application/json",
    }
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    async with aiohttp.ClientSession() as http:

        async def status_for(host: str, origin: str | None = None) -> int:
            extra = {"Host": host} | ({"Origin": origin} if origin else {})
            async with http.post(f"{manager.url}/mcp", data=body, headers=headers | extra) as r:
                return r.status

        assert await status_for("sluice.example.com") != 421
        assert await status_for("sluice.example.com", "https://sluice.example.com") != 421
        assert await status_for(f"127.0.0.1:{manager.port}") != 421
        assert await status_for("other.example.com") == 421
        assert await status_for("sluice.example.com", "https://other.example.com") == 403
