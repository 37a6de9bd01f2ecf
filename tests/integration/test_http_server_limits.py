"""The HTTP server's limits come from settings (issue 19 items 7 and 9, protocol §1.3): a request
head that never completes is closed, an idle connection too, and a URL over ``max_url_bytes`` is
answered with the error envelope, not aiohttp's plain text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.integration.admin.factories import ADMIN, make_app

# A bound on the wait, never an expectation: the server closes after the keep-alive timeout.
PATIENCE = 30.0


@pytest.fixture
async def server(db_pool: asyncpg.Pool) -> AsyncIterator[TestServer]:
    app = make_app(db_pool, http_keepalive_timeout_seconds=0.5, max_url_bytes=1024)
    async with TestServer(app) as test_server:
        yield test_server


async def _closed_by_server(server: TestServer, sent: bytes) -> bytes:
    """Everything the server sends before it closes a connection that sent ``sent``."""
    assert server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(sent)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), PATIENCE)
    finally:
        writer.close()


async def test_a_partial_request_head_is_closed(server: TestServer) -> None:
    answer = await _closed_by_server(server, b"GET /api/sources HTTP/1.1\r\nHost: x\r\n")
    assert answer == b""  # closed without an answer: there was no request to answer


async def test_a_connection_that_sends_nothing_is_closed(server: TestServer) -> None:
    assert await _closed_by_server(server, b"") == b""


async def test_a_finished_request_keeps_its_connection_until_the_timeout(
    server: TestServer,
) -> None:
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = await _closed_by_server(server, head)
    assert answer.startswith(b"HTTP/1.1 200")


async def test_a_url_over_the_limit_gets_the_error_envelope(server: TestServer) -> None:
    async with TestClient(server) as client:
        resp = await client.get("/api/sources", params={"source_type": "x" * 2000}, headers=ADMIN)
        assert resp.status == 414
        assert resp.content_type == "application/json"
        assert await resp.json() == {"error": "request URL exceeds 1024 bytes"}
        # Before the token and the route: the URL alone decides.
        resp = await client.get("/nowhere/" + "y" * 2000)
        assert resp.status == 414
        resp = await client.get("/api/sources", params={"source_type": "x" * 900}, headers=ADMIN)
        assert resp.status == 200


async def test_the_default_url_limit_is_above_aiohttps_line_limit(db_pool: asyncpg.Pool) -> None:
    """With the defaults, a query string past aiohttp's own 8190-byte line limit is still
    answered by the manager, in JSON."""
    async with TestClient(TestServer(make_app(db_pool))) as client:
        resp = await client.get("/api/sources", params={"source_type": "x" * 9000}, headers=ADMIN)
        assert resp.status == 414
        assert (await resp.json())["error"] == "request URL exceeds 8192 bytes"
