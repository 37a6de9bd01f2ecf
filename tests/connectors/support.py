"""A small real HTTP origin on 127.0.0.1 for connector tests: static files with validators.

Every response carries an ETag (content hash) and a Last-Modified; conditional requests get 304.
Tests change ``files`` between syncs and read ``requests`` to see what the connector asked for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

LAST_MODIFIED = "Wed, 04 Mar 2026 10:00:00 GMT"


@dataclass
class Served:
    body: bytes
    content_type: str
    status: int = 200
    last_modified: str = LAST_MODIFIED


@dataclass
class Request:
    path: str
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None


@dataclass
class Origin:
    files: dict[str, Served] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            Request(
                request.path_qs,
                request.headers.get("If-None-Match"),
                request.headers.get("If-Modified-Since"),
                request.headers.get("User-Agent"),
            )
        )
        served = self.files.get(request.path_qs) or self.files.get(request.path)
        if served is None:
            return web.Response(status=404, text="not found")
        if served.status != 200:
            return web.Response(status=served.status, text="error")
        body = served.body.replace(b"{origin}", self.url.encode())
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": served.last_modified}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = served.content_type
        return web.Response(body=body, headers=headers)

    async def __aenter__(self) -> Origin:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        await self.server.close()
