"""Registrations answered in front of aiohttp (protocol §4.1, §8.1).

Ten thousand connectors re-send their manifest every 30 s. ``HeartbeatBuffer`` already answers
such a heartbeat without the database or validation, yet aiohttp's request machinery around it (a
Request, a task per request on Python 3.11, the middlewares, a Response) cost most of the CPU the
manager spent per heartbeat, and at 333 requests a second spread out in time that path runs with
cold caches every time.

So each accepted connection starts with ``HeartbeatFront``, a small HTTP/1.1 responder for one kind
of request, and only while the connection has carried nothing else:

* ``POST /sdk/register HTTP/1.1`` framed by ``Content-Length`` alone (no Transfer-Encoding, Expect
  or Upgrade; a Connection header, if any, is ``keep-alive``), well-formed header lines, the body
  within ``max_json_body_bytes``;
* a connector token the auth middleware accepts, and a JSON (or absent) Content-Type.

Such a request is the route's last steps exactly: an unchanged heartbeat is answered at once when
``HeartbeatBuffer.accept`` takes it, and any other body goes through ``register_manifest``, the
function the route itself calls (validation, health check, upsert), its HttpError becoming the same
error envelope. Answers carry aiohttp's headers, and are counted in the same latency metric.

Anything else (another request, a malformed or unusual one, bytes that stop looking like one of
the above) hands the connection to aiohttp for good: a new aiohttp ``RequestHandler`` becomes the
transport's protocol (``transport.set_protocol``) and gets every byte not yet answered. So no
request is answered twice or lost, and every other request, status and corner of HTTP is
aiohttp's. An SDK connector registers on a connection of its own (``sluice_sdk.client``), which
therefore stays here.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Coroutine, Mapping
from email.utils import formatdate
from http import HTTPStatus
from typing import Any, cast

import structlog
from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE
from aiohttp.web_protocol import RequestHandler

from sluice_manager.http.auth import connector_allowed
from sluice_manager.http.errors import OK, HttpError, error_body
from sluice_manager.keys import CLOCK, SETTINGS
from sluice_manager.metrics import METRICS
from sluice_manager.registry.heartbeats import HEARTBEATS
from sluice_manager.sdk_api.register import manifest_digest, register_manifest

log = structlog.get_logger(__name__)

_REQUEST_LINE = b"POST /sdk/register HTTP/1.1\r\n"
_MAX_HEAD_BYTES = 16 * 1024
# Header lines as RFC 9110 has them: a token, a colon, visible characters, spaces and tabs.
_FIELD = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*"
_HEAD = re.compile(_FIELD + rb"(?:\r\n" + _FIELD + rb")*")
_HANDED_TO_AIOHTTP = (b"transfer-encoding", b"expect", b"upgrade")
# Idle connections still in front of aiohttp are closed after this long (longer than the SDK's
# 60 s client keep-alive and the 30 s heartbeat interval), checked every _SWEEP_SECONDS.
IDLE_SECONDS = 75.0
_SWEEP_SECONDS = 15.0
# How long a stopping site lets registrations in progress finish before cancelling them.
_STOP_GRACE_SECONDS = 10.0

_SERVER = SERVER_SOFTWARE.encode()
MORE = 0  # ``Front.parse``: the buffer is a prefix of a request the front answers


class Front:
    """What the front needs of the app, and the one request it answers."""

    def __init__(self, app: web.Application) -> None:
        settings = app[SETTINGS]
        self._app = app
        self._buffer = app[HEARTBEATS]
        self._clock = app[CLOCK]
        self._tokens = settings.connector_token
        self._open_mode = settings.sdk_auth == "open"
        self._max_body = settings.max_json_body_bytes
        self.max_buffered = _MAX_HEAD_BYTES + self._max_body
        self._metrics = app.get(METRICS)
        self._ok_latency = (
            self._metrics.latency.labels("POST", "/sdk/register", "200")
            if self._metrics is not None
            else None
        )
        self._date_second = -1
        self._date = b""
        self._ok = b""

    def parse(self, buf: bytes) -> tuple[int, int] | int | None:
        """The request at the start of ``buf``: (body start, end) when complete, MORE, or None."""
        line = len(_REQUEST_LINE)
        if len(buf) < line:
            return MORE if _REQUEST_LINE.startswith(buf) else None
        if not buf.startswith(_REQUEST_LINE):
            return None
        end = buf.find(b"\r\n\r\n", line - 2)
        if end < 0 or end > _MAX_HEAD_BYTES:
            return MORE if end < 0 and len(buf) <= _MAX_HEAD_BYTES else None
        headers = self._headers(buf[line:end]) if end >= line else None
        if headers is None:
            return None
        length, authorization, content_type = headers
        if length is None or length > self._max_body:
            return None
        if content_type is not None:
            media_type = content_type.split(b";", 1)[0].strip().lower()
            if media_type != b"application/json":
                return None
        header = None if authorization is None else authorization.decode("utf-8", "surrogateescape")
        if not connector_allowed(header, self._tokens, open_mode=self._open_mode):
            return None
        size = end + 4 + length
        return (end + 4, size) if len(buf) >= size else MORE

    def heartbeat(self, body: bytes) -> bytes | None:
        """The answer to an unchanged heartbeat, or None when the body needs ``register``."""
        started = time.perf_counter()
        if not self._buffer.accept(manifest_digest(body), self._clock.now()):
            return None
        answer = self.response(200, OK)
        if self._ok_latency is not None:
            self._ok_latency.observe(time.perf_counter() - started)
        return answer

    async def register(self, body: bytes) -> bytes:
        """The route's answer to any other registration body, errors in the envelope."""
        started = time.perf_counter()
        headers: Mapping[str, str] = {}
        try:
            await register_manifest(self._app, body)
            status, payload = 200, OK
        except HttpError as exc:
            status, payload, headers = exc.status, error_body(exc.message), exc.headers
        except Exception:
            log.exception("request_failed", method="POST", path="/sdk/register")
            status, payload = 500, error_body("internal error")
        self._observe(status, started)
        return self.response(status, payload, headers)

    def response(
        self, status: int, payload: bytes, headers: Mapping[str, str] | None = None
    ) -> bytes:
        """An HTTP/1.1 JSON response with aiohttp's headers in aiohttp's order."""
        second = int(time.time())
        if second != self._date_second:
            self._date_second = second
            self._date = formatdate(second, usegmt=True).encode()
            self._ok = self._build(200, OK, None)
        if status == 200 and payload is OK and not headers:
            return self._ok
        return self._build(status, payload, headers)

    def _build(self, status: int, payload: bytes, headers: Mapping[str, str] | None) -> bytes:
        extra = b"".join(
            b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in (headers or {}).items()
        )
        return (
            b"HTTP/1.1 %d %s\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Date: %s\r\nServer: %s\r\n\r\n%s"
            % (
                status,
                HTTPStatus(status).phrase.encode(),
                extra,
                len(payload),
                self._date,
                _SERVER,
                payload,
            )
        )

    def _observe(self, status: int, started: float) -> None:
        if self._metrics is not None:
            self._metrics.latency.labels("POST", "/sdk/register", str(status)).observe(
                time.perf_counter() - started
            )

    @staticmethod
    def _headers(head: bytes) -> tuple[int | None, bytes | None, bytes | None] | None:
        """Content-Length, Authorization and Content-Type; None when aiohttp should decide."""
        length: int | None = None
        authorization: bytes | None = None
        content_type: bytes | None = None
        if not _HEAD.fullmatch(head):
            return None
        for field in head.split(b"\r\n"):
            name, _, value = field.partition(b":")
            name, value = name.lower(), value.strip(b" \t")
            if name == b"content-length":
                if length is not None or not value.isdigit():
                    return None
                length = int(value)
            elif name == b"authorization":
                if authorization is not None:
                    return None
                authorization = value
            elif name == b"content-type":
                if content_type is not None:
                    return None
                content_type = value
            elif name == b"connection":
                if value.lower() != b"keep-alive":
                    return None
            elif name in _HANDED_TO_AIOHTTP:
                return None
        return length, authorization, content_type


class HeartbeatFront(asyncio.Protocol):
    """One connection, answered by the front until the first request that is aiohttp's."""

    def __init__(self, front: Front, server: web.Server, site: HeartbeatSite) -> None:
        self._front = front
        self._server = server
        self._site = site
        self._transport: asyncio.Transport | None = None
        self._buf = b""
        self._registering: asyncio.Task[None] | None = None
        self._write_paused = False
        self._read_paused = False
        self._eof = False
        self.last_active = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike.
        self._transport = cast(asyncio.Transport, transport)
        self.last_active = time.monotonic()
        self._site.fronted.add(self)

    def data_received(self, data: bytes) -> None:
        self._buf = self._buf + data if self._buf else data
        if self._registering is None:
            self._answer()
        self._flow()

    def _answer(self) -> None:
        """Answer the buffered requests in order until one needs waiting for or is aiohttp's."""
        transport = self._transport
        buf = self._buf
        while buf and transport is not None:
            parsed = self._front.parse(buf)
            if parsed is None:
                self._buf = buf
                self._hand_off(transport)
                return
            if parsed == MORE:
                break
            assert isinstance(parsed, tuple)
            start, size = parsed
            body, buf = buf[start:size], buf[size:]
            self.last_active = time.monotonic()
            answer = self._front.heartbeat(body)
            if answer is None:
                self._buf = buf
                self._registering = self._site.own(self._register(body))
                return
            transport.write(answer)
        self._buf = buf
        if self._eof and transport is not None:
            transport.close()

    async def _register(self, body: bytes) -> None:
        try:
            answer = await self._front.register(body)
        finally:
            self._registering = None
        if self._transport is not None:
            self._transport.write(answer)
            self.last_active = time.monotonic()
            self._answer()
            self._flow()

    def _flow(self) -> None:
        """Read while answers are being read and at most one request's bytes wait."""
        transport = self._transport
        if transport is None or self not in self._site.fronted:
            return
        waiting = self._registering is not None and len(self._buf) > self._front.max_buffered
        pause = self._write_paused or waiting
        if pause != self._read_paused:
            self._read_paused = pause
            if pause:
                transport.pause_reading()
            else:
                transport.resume_reading()

    def _hand_off(self, transport: asyncio.Transport) -> None:
        self._site.fronted.discard(self)
        if self._read_paused:
            transport.resume_reading()
        handler: RequestHandler = self._server()
        transport.set_protocol(handler)
        handler.connection_made(transport)
        if self._write_paused:
            handler.pause_writing()
        buf, self._buf = self._buf, b""
        handler.data_received(buf)

    def eof_received(self) -> bool:
        # Keep the socket for an answer still being prepared; a lone prefix is never answered.
        self._eof = True
        return self._registering is not None

    def pause_writing(self) -> None:
        # A client that does not read its answers: stop reading its requests until it does.
        self._write_paused = True
        self._flow()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._flow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._site.fronted.discard(self)
        self._transport = None

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class HeartbeatSite(web.BaseSite):
    """A TCP site whose connections start in front of the runner's aiohttp server."""

    __slots__ = ("_front", "_host", "_port", "_sweeper", "_tasks", "fronted")

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        super().__init__(runner)
        self._host, self._port = host, port
        self._front = Front(runner.app)
        self.fronted: set[HeartbeatFront] = set()  # connections not handed to aiohttp
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        """The bound port (the requested one until started)."""
        if self._server is not None:
            sockets = self._server.sockets  # type: ignore[attr-defined]
            if sockets:
                return int(sockets[0].getsockname()[1])
        return self._port

    def own(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a registration as a task the site waits for (or cancels) when it stops."""
        task = asyncio.create_task(coro, name="heartbeat-front-register")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: HeartbeatFront(self._front, server, self),
            self._host,
            self._port,
            backlog=self._backlog,
        )
        self._sweeper = asyncio.create_task(self._sweep(), name="heartbeat-front-sweeper")

    async def stop(self) -> None:
        await super().stop()
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=_STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for protocol in list(self.fronted):
            protocol.close()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(_SWEEP_SECONDS)
            cutoff = time.monotonic() - IDLE_SECONDS
            for protocol in [p for p in self.fronted if p.last_active < cutoff]:
                protocol.close()
