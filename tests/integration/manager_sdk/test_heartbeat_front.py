"""Registrations answered in front of aiohttp, over real sockets (sdk_api.heartbeat_front).

Every answer the front gives must be the route's answer, and every request it must not answer must
reach aiohttp intact, on the same connection, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.keys import CLOCK, POOL, SETTINGS
from sluice_manager.main import listen
from sluice_manager.registry.heartbeats import HEARTBEATS
from sluice_manager.sdk_api.heartbeat_front import Front, HeartbeatSite
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import FrozenClock
from sluice_sql.pool import create_pool
from tests.integration.manager_sdk.conftest import (
    CONNECTOR_TOKEN,
    HealthyConnector,
    make_settings,
)
from tests.integration.manager_sdk.test_register import manifest


@dataclass
class Served:
    app: web.Application
    site: HeartbeatSite
    port: int


@contextlib.asynccontextmanager
async def serve(
    settings: ManagerSettings, pool: asyncpg.Pool, clock: FrozenClock | None = None
) -> AsyncIterator[Served]:
    """The manager app listening as ``sluice manager`` does, on a free local port."""
    app = create_app(settings, pool, clock=clock, run_leader_work=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = await listen(runner, settings.model_copy(update={"host": "127.0.0.1", "port": 0}))
        assert isinstance(site, HeartbeatSite)
        yield Served(app, site, site.port)
    finally:
        await runner.cleanup()


@pytest.fixture
async def served(
    db_pool: asyncpg.Pool, clock: FrozenClock, settings: ManagerSettings
) -> AsyncIterator[Served]:
    async with serve(settings, db_pool, clock) as running:
        yield running


def register_request(
    body: bytes,
    *,
    token: str = CONNECTOR_TOKEN,
    content_type: str | None = "application/json",
    extra: str = "",
    path: str = "/sdk/register",
) -> bytes:
    """``POST /sdk/register`` as aiohttp's client writes it."""
    head = f"POST {path} HTTP/1.1\r\nHost: manager\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    head += f"Authorization: Bearer {token}\r\nAccept: */*\r\n{extra}"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self) -> Answer:
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return Answer(int(lines[0].split()[1]), headers, body)

    async def closed(self) -> bool:
        return await asyncio.wait_for(self.reader.read(1), 10) == b""

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@pytest.fixture
async def connection(served: Served) -> AsyncIterator[Connection]:
    conn = Connection(*await asyncio.open_connection("127.0.0.1", served.port))
    try:
        yield conn
    finally:
        await conn.close()


async def until(predicate: object, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not callable(predicate) or not predicate():
            await asyncio.sleep(0.01)


async def test_an_sdk_connection_registers_and_heartbeats_without_leaving_the_front(
    served: Served, connection: Connection, connector: HealthyConnector, db_pool: asyncpg.Pool
) -> None:
    body = orjson.dumps(manifest(connector.url))
    await connection.send(register_request(body))
    first = await connection.answer()
    assert (first.status, orjson.loads(first.body)) == (200, {"status": "ok"})
    assert connector.health_calls == [f"Bearer {CONNECTOR_TOKEN}"]
    assert await db_pool.fetchval("SELECT count(*) FROM connectors") == 1

    for _ in range(2):
        await connection.send(register_request(body))
        again = await connection.answer()
        assert (again.status, again.body) == (first.status, first.body)
    assert served.app[HEARTBEATS].pending == 1
    assert len(served.site.fronted) == 1  # never handed to aiohttp
    assert len(connector.health_calls) == 1


async def test_answers_are_the_routes_answers(
    served: Served, connection: Connection, connector: HealthyConnector
) -> None:
    """Same status, body and headers (but Date) as aiohttp's route for the same requests."""
    bodies = [
        orjson.dumps(manifest(connector.url)),  # first registration
        orjson.dumps(manifest(connector.url)),  # unchanged heartbeat
        orjson.dumps(manifest(connector.url, name=None)),  # 422
        orjson.dumps(manifest("ftp://nowhere")),  # 400
        b"{not json",  # 400
        b"",  # 400, empty
    ]
    fronted = []
    for body in bodies:
        await connection.send(register_request(body))
        fronted.append(await connection.answer())
    assert len(served.site.fronted) == 1

    # The same requests through aiohttp's route alone (a plain TestServer of a second app).
    other = create_app(
        served.app[SETTINGS], served.app[POOL], clock=served.app[CLOCK], run_leader_work=False
    )
    headers = {"Authorization": f"Bearer {CONNECTOR_TOKEN}", "Content-Type": "application/json"}
    async with TestClient(TestServer(other)) as client:
        routed = []
        for body in bodies:
            resp = await client.post("/sdk/register", data=body, headers=headers)
            answer_headers = {k.lower(): v for k, v in resp.headers.items()}
            routed.append(Answer(resp.status, answer_headers, await resp.read()))
    for mine, theirs in zip(fronted, routed, strict=True):
        assert (mine.status, mine.body) == (theirs.status, theirs.body)
        del mine.headers["date"], theirs.headers["date"]
        assert mine.headers == theirs.headers
    assert [a.status for a in fronted] == [200, 200, 422, 400, 400, 400]


HANDED_OFF = [
    pytest.param(b"GET /health HTTP/1.1\r\nHost: m\r\n\r\n", 200, id="another route"),
    pytest.param(register_request(b"{}", token="wrong"), 401, id="bad token"),
    pytest.param(register_request(b"{}", content_type="text/plain"), 415, id="not JSON"),
    pytest.param(register_request(b"{}", path="/sdk/register?x=1"), 422, id="query string"),
    pytest.param(
        b"POST /sdk/register HTTP/1.1\r\nHost: m\r\nAuthorization: Bearer "
        + CONNECTOR_TOKEN.encode()
        + b"\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        422,
        id="chunked",
    ),
    pytest.param(register_request(b"{}", extra="Content-Length: 2\r\n"), 400, id="two lengths"),
    pytest.param(
        register_request(b"{}", extra="X-Folded: a\r\n b\r\n"), 400, id="obsolete line folding"
    ),
    pytest.param(register_request(b"{}", extra="Bad Name: x\r\n"), 400, id="bad header name"),
]


@pytest.mark.parametrize(("request_bytes", "status"), HANDED_OFF)
async def test_anything_else_goes_to_aiohttp_on_the_same_connection(
    served: Served, connection: Connection, request_bytes: bytes, status: int
) -> None:
    await connection.send(request_bytes)
    answer = await connection.answer()
    assert answer.status == status
    if status != 400:  # a 400 here is aiohttp's own parser refusing the request
        assert answer.headers["content-type"].startswith("application/json")
        assert status == 200 or "error" in orjson.loads(answer.body)
    await until(lambda: not served.site.fronted)


async def test_a_request_over_the_body_limit_is_refused_by_aiohttp(
    db_pool: asyncpg.Pool, clock: FrozenClock, connector: HealthyConnector
) -> None:
    async with serve(make_settings(max_json_body_bytes=1000), db_pool, clock) as running:
        conn = Connection(*await asyncio.open_connection("127.0.0.1", running.port))
        await conn.send(register_request(orjson.dumps(manifest(connector.url, pad="x" * 2000))))
        answer = await conn.answer()
        assert answer.status == 413
        assert orjson.loads(answer.body) == {"error": "request body exceeds 1000 bytes"}
        await conn.close()


async def test_after_a_hand_off_heartbeats_still_work_through_aiohttp(
    served: Served, connection: Connection, connector: HealthyConnector
) -> None:
    body = orjson.dumps(manifest(connector.url))
    await connection.send(b"GET /health HTTP/1.1\r\nHost: m\r\n\r\n")
    assert (await connection.answer()).status == 200
    for _ in range(2):
        await connection.send(register_request(body))
        assert (await connection.answer()).status == 200
    assert not served.site.fronted
    assert len(connector.health_calls) == 1


async def test_pipelined_requests_are_answered_in_order(
    served: Served, connection: Connection, connector: HealthyConnector
) -> None:
    body = orjson.dumps(manifest(connector.url))
    # A first registration (waits for the health check), two heartbeats, then another route,
    # all in one write: the front answers three and aiohttp the last, in order.
    await connection.send(register_request(body) * 3 + b"GET /metrics HTTP/1.1\r\nHost: m\r\n\r\n")
    answers = [await connection.answer() for _ in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 200]
    assert answers[3].headers["content-type"].startswith("text/plain")
    counted = b'{method="POST",route="/sdk/register",status="200"} 3.0'
    assert b"sluice_http_request_duration_seconds_count" + counted in answers[3].body
    assert served.app[HEARTBEATS].pending == 1


async def test_a_client_that_reads_no_answers_for_a_while_loses_none(
    served: Served, connection: Connection, connector: HealthyConnector
) -> None:
    """Far more answers than the socket buffers hold: the front stops reading, then resumes."""
    request = register_request(orjson.dumps(manifest(connector.url)))
    count = 40_000
    sending = asyncio.create_task(connection.send(request * count))
    await asyncio.sleep(0.5)  # the answers pile up unread
    statuses = [(await connection.answer()).status for _ in range(count)]
    await sending
    assert statuses == [200] * count
    assert len(served.site.fronted) == 1
    assert len(connector.health_calls) == 1


async def test_a_request_arriving_byte_by_byte_is_answered_once(
    served: Served, connection: Connection, connector: HealthyConnector
) -> None:
    request = register_request(orjson.dumps(manifest(connector.url)))
    for i in range(len(request)):
        await connection.send(request[i : i + 1])
        if i % 50 == 0:
            await asyncio.sleep(0)
    answer = await connection.answer()
    assert (answer.status, orjson.loads(answer.body)) == (200, {"status": "ok"})
    assert len(served.site.fronted) == 1
    assert len(connector.health_calls) == 1


async def test_a_connection_closed_after_a_partial_request_is_closed(
    served: Served, connection: Connection
) -> None:
    await connection.send(register_request(b"{}")[:40])
    connection.writer.write_eof()
    assert await connection.closed()
    await until(lambda: not served.site.fronted)


async def test_stopping_the_site_closes_fronted_connections(
    served: Served, connection: Connection, connector: HealthyConnector
) -> None:
    await connection.send(register_request(orjson.dumps(manifest(connector.url))))
    assert (await connection.answer()).status == 200
    await served.site.stop()
    assert await connection.closed()


@pytest.mark.parametrize(
    "head",
    [
        b"POST /sdk/register HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /sdk/register HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        b"POST /sdk/register HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n{}",
        b"POST /sdk/register HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}",
        b"POST /sdk/register HTTP/1.1\r\nContent-Length : 2\r\n\r\n{}",
        b"POST /sdk/register HTTP/1.1\r\nContent-Length: 2\nX: y\r\n\r\n{}",
        b"POST /sdk/register HTTP/1.1\r\n\r\n",
        b"post /sdk/register HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
    ],
)
def test_the_front_leaves_unusual_requests_to_aiohttp(served: Served, head: bytes) -> None:
    front = Front(served.app)
    assert front.parse(head) is None


def test_the_front_waits_for_the_rest_of_a_request_it_may_answer(served: Served) -> None:
    front = Front(served.app)
    whole = register_request(b'{"a": 1}')
    for cut in (1, 10, len(whole) - 20, len(whole) - 1):
        assert front.parse(whole[:cut]) == 0
    assert front.parse(whole) == (len(whole) - 8, len(whole))


def test_on_uvloop_the_front_answers_and_hands_off_alike(
    db_url: str, settings: ManagerSettings
) -> None:
    """The manager runs on uvloop, whose transports must take ``set_protocol`` as asyncio's do."""
    uvloop = pytest.importorskip("uvloop")

    async def healthy(_: web.Request) -> web.Response:
        return web.json_response({"status": "healthy"})

    async def scenario() -> list[int]:
        health = web.Application()
        health.router.add_get("/health", healthy)
        async with (
            TestServer(health) as connector,
            await create_pool(db_url) as pool,
            serve(settings, pool) as running,
        ):
            conn = Connection(*await asyncio.open_connection("127.0.0.1", running.port))
            body = orjson.dumps(manifest(str(connector.make_url("")).rstrip("/")))
            statuses = []
            for request in (
                register_request(body),  # first registration, in the front
                register_request(body),  # heartbeat, in the front
                b"GET /health HTTP/1.1\r\nHost: m\r\n\r\n",  # aiohttp's from here on
                register_request(body),
            ):
                await conn.send(request)
                statuses.append((await conn.answer()).status)
            assert not running.site.fronted
            await conn.close()
            return statuses

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(scenario()) == [200, 200, 200, 200]
