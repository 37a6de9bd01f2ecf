"""The data-source HTTP helper against a real aiohttp server: retries, errors, pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sluice_sdk.errors import SourceHttpError, TransientError, classify
from sluice_sdk.retry import RetryPolicy
from sluice_sdk.source_http import SourceHttp

ITEMS = list(range(23))
FAST = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.02, retry_after_max=0.05)


class Source:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.inject])
        app.router.add_get("/cursor", self.cursor)
        app.router.add_get("/offset", self.offset)
        app.router.add_get("/link", self.link)
        app.router.add_get("/loop", self.loop)
        return app

    @web.middleware
    async def inject(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        queue = self.failures.get(request.path)
        if queue:
            status, headers = queue.pop(0)
            return web.json_response({"message": "no"}, status=status, headers=headers)
        return await handler(request)

    async def cursor(self, request: web.Request) -> web.Response:
        start = int(request.query.get("cursor", 0))
        page = ITEMS[start : start + 10]
        nxt = start + 10 if start + 10 < len(ITEMS) else None
        return web.json_response({"data": {"items": page}, "next": nxt})

    async def offset(self, request: web.Request) -> web.Response:
        offset, limit = int(request.query["offset"]), int(request.query["limit"])
        return web.json_response({"results": ITEMS[offset : offset + limit]})

    async def link(self, request: web.Request) -> web.Response:
        page = int(request.query.get("page", 1))
        per_page = int(request.query.get("per_page", 10))
        start = (page - 1) * per_page
        headers = {}
        if start + per_page < len(ITEMS):
            headers["Link"] = f'</link?page={page + 1}&per_page={per_page}>; rel="next"'
        return web.json_response(ITEMS[start : start + per_page], headers=headers)

    async def loop(self, request: web.Request) -> web.Response:
        return web.json_response({"items": [1], "next": "same"})


@pytest.fixture
async def source() -> AsyncIterator[tuple[Source, SourceHttp]]:
    fake = Source()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    async with SourceHttp(base, retry=FAST, max_rate=1000) as http:
        yield fake, http
    await server.close()


async def test_cursor_pagination_reads_every_page(source: tuple[Source, SourceHttp]) -> None:
    fake, http = source
    got = [i async for i in http.paginate_cursor("/cursor", items="data.items", next_cursor="next")]
    assert got == ITEMS
    assert fake.hits["/cursor"] == 3


async def test_offset_pagination_stops_on_a_short_page(source: tuple[Source, SourceHttp]) -> None:
    fake, http = source
    got = [i async for i in http.paginate_offset("/offset", items="results", page_size=5)]
    assert got == ITEMS
    assert fake.hits["/offset"] == 5


async def test_link_pagination_follows_rel_next(source: tuple[Source, SourceHttp]) -> None:
    _, http = source
    got = [i async for i in http.paginate_link("/link", params={"per_page": 7})]
    assert got == ITEMS


async def test_repeated_cursor_is_an_error_not_a_loop(source: tuple[Source, SourceHttp]) -> None:
    _, http = source
    with pytest.raises(TransientError, match="repeated cursor"):
        _ = [i async for i in http.paginate_cursor("/loop", items="items", next_cursor="next")]


async def test_429_and_5xx_are_retried(source: tuple[Source, SourceHttp]) -> None:
    fake, http = source
    fake.failures["/offset"] = [(429, {"Retry-After": "0"}), (503, {}), (500, {})]
    got = [i async for i in http.paginate_offset("/offset", items="results", page_size=100)]
    assert got == ITEMS
    assert fake.hits["/offset"] == 4


async def test_retries_are_bounded(source: tuple[Source, SourceHttp]) -> None:
    fake, http = source
    fake.failures["/offset"] = [(503, {})] * 10
    with pytest.raises(SourceHttpError) as info:
        await http.get_json("/offset", params={"offset": 0, "limit": 1})
    assert info.value.status == 503
    assert classify(info.value) == "transient"
    assert fake.hits["/offset"] == FAST.attempts


@pytest.mark.parametrize(("status", "kind"), [(401, "configuration"), (403, "configuration")])
async def test_auth_failures_are_configuration_errors_and_not_retried(
    source: tuple[Source, SourceHttp], status: int, kind: str
) -> None:
    fake, http = source
    fake.failures["/offset"] = [(status, {})]
    with pytest.raises(SourceHttpError) as info:
        await http.get_json("/offset", params={"offset": 0, "limit": 1})
    assert classify(info.value) == kind
    assert fake.hits["/offset"] == 1


async def test_not_found_is_internal_and_not_retried(source: tuple[Source, SourceHttp]) -> None:
    fake, http = source
    with pytest.raises(SourceHttpError) as info:
        await http.get_json("/missing")
    assert info.value.status == 404
    assert classify(info.value) == "internal"
    assert fake.hits["/missing"] == 1


async def test_unreachable_source_is_transient() -> None:
    from tests.support.http import free_port

    async with SourceHttp(f"http://127.0.0.1:{free_port()}", retry=FAST) as http:
        with pytest.raises(TransientError):
            await http.get_json("/x")
