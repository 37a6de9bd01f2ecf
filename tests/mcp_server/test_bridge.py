"""The ASGI bridge over real sockets: bodies in, one-piece and streamed answers out, and a client
that leaves is a disconnect to the app (never a cancellation, even where aiohttp cancels the
handler, as its test server does)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sluice_manager.mcp.bridge import Message, Receive, Scope, Send, serve_asgi


class Recorder:
    """ASGI apps that record what they were given."""

    def __init__(self) -> None:
        self.scope: Scope = {}
        self.body = b""
        self.after_body: list[Message] = []
        self.second_chunk = asyncio.Event()
        self.ended = asyncio.Event()

    async def _read(self, receive: Receive) -> None:
        while True:
            message = await receive()
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                return

    async def echo(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        await self._read(receive)
        headers = [(b"content-type", b"application/json"), (b"x-echo", b"1")]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"length":%d}' % len(self.body)})

    async def stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._read(receive)
            headers = [(b"content-type", b"text/event-stream")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
            await self.second_chunk.wait()
            await send({"type": "http.response.body", "body": b"data: two\n\n", "more_body": True})
            self.after_body.append(await receive())  # waits for the client to leave
            await send({"type": "http.response.body", "body": b"data: late\n\n", "more_body": True})
        finally:
            self.ended.set()


@pytest.fixture
async def served() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = web.Application()

    async def echo(request: web.Request) -> web.StreamResponse:
        return await serve_asgi(recorder.echo, request, {"extra": "yes"})

    async def stream(request: web.Request) -> web.StreamResponse:
        return await serve_asgi(recorder.stream, request)

    app.router.add_route("*", "/echo", echo)
    app.router.add_route("*", "/stream", stream)
    server = TestServer(app, host="127.0.0.1")  # cancels handlers whose client left
    await server.start_server()
    try:
        yield recorder, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_a_body_in_parts_and_an_answer_in_one_piece(served: tuple[Recorder, str]) -> None:
    recorder, url = served
    body = b"x" * 300_000

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    headers = {"X-Thing": "T"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/echo?a=1", data=chunks(), headers=headers) as resp,
    ):
        assert resp.status == 201
        assert resp.headers["X-Echo"] == "1"
        assert resp.headers["Content-Type"] == "application/json"
        assert await resp.json() == {"length": len(body)}
    assert recorder.body == body
    scope: dict[str, Any] = dict(recorder.scope)
    assert (scope["type"], scope["method"], scope["path"]) == ("http", "POST", "/echo")
    assert scope["query_string"] == b"a=1"
    assert (b"x-thing", b"T") in scope["headers"]
    assert scope["extra"] == "yes"
    assert scope["client"][0] == "127.0.0.1"


async def test_a_stream_flows_as_sent_and_a_leaving_client_is_a_disconnect(
    served: tuple[Recorder, str],
) -> None:
    recorder, url = served
    async with aiohttp.ClientSession() as http:
        resp = await http.get(f"{url}/stream")
        assert resp.status == 200
        assert resp.headers.get("Content-Length") is None
        assert await resp.content.readuntil(b"\n\n") == b"data: one\n\n"  # before "two" exists
        recorder.second_chunk.set()
        assert await resp.content.readuntil(b"\n\n") == b"data: two\n\n"
        resp.close()  # the client leaves mid-stream
    async with asyncio.timeout(10):
        await recorder.ended.wait()
    assert recorder.after_body == [{"type": "http.disconnect"}]
