"""An ASGI application answered from an aiohttp handler (the MCP SDK's session managers speak ASGI).

One request in, one ASGI call: the scope is built from the aiohttp request, ``receive`` streams its
body and then waits until the response is complete or the client has gone (only then does it report
``http.disconnect``, so an SSE response's disconnect listener sleeps instead of spinning), and
``send`` answers. A response sent in one piece becomes a plain ``web.Response``; one sent in parts
(SSE) streams through a ``web.StreamResponse`` as it comes. A write that finds the client gone ends
the exchange: later messages are dropped, as ASGI 2.3 asks of servers. A stream with nothing to
send learns within a second that its client left (``receive`` looks at the connection while it
waits), so an idle stream of a client that went away does not linger until its next write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import structlog
from aiohttp import web
from multidict import CIMultiDict

log = structlog.get_logger(__name__)

# How often a response waiting for its app looks whether the client is still connected.
GONE_CHECK_SECONDS = 1.0

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Exchange:
    def __init__(self, request: web.Request) -> None:
        self.request = request
        self.status = 500
        self.headers: CIMultiDict[str] = CIMultiDict()
        self.stream: web.StreamResponse | None = None
        self.body = b""
        self.body_read = False
        # Set once the response is complete or the client has gone: receive() may then report
        # the disconnect.
        self.finished = asyncio.Event()

    def scope(self, extra: Mapping[str, Any]) -> Scope:
        request = self.request
        transport = request.transport
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": f"{request.version.major}.{request.version.minor}",
            "method": request.method,
            "scheme": request.scheme,
            "path": request.path,
            "raw_path": request.raw_path.partition("?")[0].encode("latin-1"),
            "query_string": request.query_string.encode("latin-1"),
            "root_path": "",
            "headers": [(name.lower(), value) for name, value in request.raw_headers],
            "client": transport.get_extra_info("peername") if transport else None,
            "server": transport.get_extra_info("sockname") if transport else None,
            "state": {},
            **extra,
        }

    async def receive(self) -> Message:
        if not self.body_read:
            content = self.request.content
            chunk = await content.readany()
            self.body_read = content.at_eof()
            return {"type": "http.request", "body": chunk, "more_body": not self.body_read}
        while not self.finished.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(GONE_CHECK_SECONDS):
                    await self.finished.wait()
            transport = self.request.transport
            if transport is None or transport.is_closing():  # aiohttp tells no other way
                self.finished.set()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = CIMultiDict(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", ())
            )
            return
        if message["type"] != "http.response.body" or self.finished.is_set():
            return
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        if self.stream is None and not more:
            self.body = body  # the whole answer: a plain Response, sent when the app returns
            self.finished.set()
            return
        try:
            if self.stream is None:
                self.stream = web.StreamResponse(status=self.status, headers=self.headers)
                await self.stream.prepare(self.request)
            if body:
                await self.stream.write(body)
            if not more:
                await self.stream.write_eof()
                self.finished.set()
        except ConnectionError:
            self.finished.set()  # the client left; receive() now reports it

    def response(self) -> web.StreamResponse:
        if self.stream is not None:
            return self.stream
        self.headers.popall("Content-Length", None)  # aiohttp sets it from the body
        return web.Response(status=self.status, body=self.body, headers=self.headers)


async def serve_asgi(
    app: AsgiApp, request: web.Request, scope: Mapping[str, Any] | None = None
) -> web.StreamResponse:
    """Answer ``request`` with the ASGI ``app``; ``scope`` adds members to the ASGI scope."""
    exchange = _Exchange(request)
    # Its own task, awaited here: aiohttp may cancel a handler whose client left
    # (handler_cancellation), while an ASGI app expects to hear of it as a disconnect and to end
    # on its own (the SDK would otherwise drop a session whose opening answer was already sent).
    call = asyncio.ensure_future(app(exchange.scope(scope or {}), exchange.receive, exchange.send))
    try:
        await asyncio.shield(call)
    except asyncio.CancelledError:
        exchange.finished.set()
        await asyncio.wait([call])
        raise
    except Exception:
        if exchange.stream is None:
            raise  # nothing sent yet: answered as an internal error
        log.exception("asgi_stream_failed", path=request.path)  # too late for another status
    finally:
        exchange.finished.set()
    return exchange.response()
