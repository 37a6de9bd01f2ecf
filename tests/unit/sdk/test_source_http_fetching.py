"""SourceHttp for fetching pages: redirects, bounded bodies, media types, conditional GET, a shared
session and a rate that can be lowered, against a real aiohttp server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sluice_sdk.retry import RetryPolicy
from sluice_sdk.source_http import SourceHttp, conditional_headers

FAST = RetryPolicy(attempts=3, backoff_base=0.01, backoff_max=0.02)
ETAG = '"v1"'


async def page(request: web.Request) -> web.Response:
    if request.headers.get("If-None-Match") == ETAG:
        return web.Response(status=304)
    return web.Response(
        body="héllo wörld".encode("latin-1"),
        headers={"content-type": "Text/HTML; charset=ISO-8859-1", "ETag": ETAG},
    )


async def moved(request: web.Request) -> web.Response:
    raise web.HTTPFound("/page")


async def big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * 200_000, content_type="application/octet-stream")


class Flaky:
    def __init__(self) -> None:
        self.calls = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        return web.Response(status=408 if self.calls == 1 else 200, text="ok")


@pytest.fixture
async def base() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/page", page)
    app.router.add_get("/moved", moved)
    app.router.add_get("/big", big)
    app.router.add_get("/flaky", Flaky().handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def test_redirects_report_the_final_url_and_headers_are_case_insensitive(
    base: str,
) -> None:
    async with SourceHttp(base, retry=FAST) as http:
        resp = await http.request("GET", "/moved")
    assert resp.status == 200
    assert resp.url == base + "/page"
    assert resp.headers.get("Content-Type") == "Text/HTML; charset=ISO-8859-1"
    assert resp.content_type == "text/html"
    assert resp.charset == "iso-8859-1"
    assert resp.body.decode(resp.charset) == "héllo wörld"


async def test_a_conditional_get_answered_304_is_an_answer(base: str) -> None:
    async with SourceHttp(base, retry=FAST) as http:
        first = await http.request("GET", "/page")
        again = await http.request(
            "GET", "/page", headers=conditional_headers(first.headers.get("ETag"), None)
        )
    assert first.status == 200
    assert again.status == 304
    assert conditional_headers(None, "Mon, 23 Nov 2026 00:00:00 GMT") == {
        "If-Modified-Since": "Mon, 23 Nov 2026 00:00:00 GMT"
    }


async def test_max_body_bytes_cuts_the_body_and_says_so(base: str) -> None:
    async with SourceHttp(base, retry=FAST) as http:
        cut = await http.request("GET", "/big", max_body_bytes=1000)
        whole = await http.request("GET", "/big", max_body_bytes=200_000)
    assert (len(cut.body), cut.truncated) == (1000, True)
    assert (len(whole.body), whole.truncated) == (200_000, False)


async def test_408_is_retried(base: str) -> None:
    async with SourceHttp(base, retry=FAST) as http:
        resp = await http.request("GET", "/flaky")
    assert resp.status == 200


async def test_a_shared_session_stays_open(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with SourceHttp(base, retry=FAST, session=session) as http:
            assert (await http.request("GET", "/page")).status == 200
        assert not session.closed


async def test_limit_rate_slows_later_requests(base: str) -> None:
    async with SourceHttp(base, retry=FAST, max_rate=100) as http:
        http.limit_rate(1, 0.3)
        started = time.monotonic()
        for _ in range(3):
            await http.request("GET", "/page")
        # Three requests at one per 0.3 s: the last waits for at least two periods.
        assert time.monotonic() - started >= 0.5
