"""A small paginated HTTP API on 127.0.0.1 for the pagination styles json-server cannot produce
(a cursor in the body, a next URL in the body, a next-page header), and for failures.

Items are ``{"id", "title", "updated", "deleted"}``; ``since`` filters on ``updated`` (inclusive).
Tests change ``items`` between syncs and read ``requests`` to see what the runtime asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


def make_items(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "title": f"Item {n}",
            "updated": f"2026-03-{1 + n // 24:02d}T{n % 24:02d}:00:00Z",
            "deleted": False,
        }
        for n in range(1, count + 1)
    ]


@dataclass
class FakeApi:
    items: list[dict[str, Any]] = field(default_factory=lambda: make_items(7))
    page_size: int = 3
    requests: list[str] = field(default_factory=list)
    tokens: list[str | None] = field(default_factory=list)
    """The ``X-Token`` header of every request."""
    on_request: Callable[[str], None] | None = None
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def _selected(self, request: web.Request) -> list[dict[str, Any]]:
        self.requests.append(request.path_qs)
        self.tokens.append(request.headers.get("X-Token"))
        if self.on_request is not None:
            self.on_request(request.path_qs)
        since = request.query.get("since")
        return [i for i in self.items if since is None or i["updated"] >= since]

    async def cursor(self, request: web.Request) -> web.Response:
        items = self._selected(request)
        start = int(request.query.get("after", "0"))
        chunk = items[start : start + self.page_size]
        following = start + self.page_size
        token = str(following) if following < len(items) else None
        return web.json_response({"data": chunk, "meta": {"next": token}})

    async def next_url(self, request: web.Request) -> web.Response:
        items = self._selected(request)
        number = int(request.query.get("page", "1"))
        chunk = items[(number - 1) * self.page_size : number * self.page_size]
        more = number * self.page_size < len(items)
        return web.json_response(
            {"items": chunk, "next": f"/next?page={number + 1}" if more else None}
        )

    async def next_header(self, request: web.Request) -> web.Response:
        items = self._selected(request)
        number = int(request.query.get("page", "1"))
        chunk = items[(number - 1) * self.page_size : number * self.page_size]
        headers = {}
        if number * self.page_size < len(items):
            headers["X-Next-Page"] = f"{self.url}/header?page={number + 1}"
        return web.json_response(chunk, headers=headers)

    async def status(self, request: web.Request) -> web.Response:
        self.requests.append(request.path_qs)
        return web.json_response({"error": "no"}, status=int(request.match_info["code"]))

    async def __aenter__(self) -> FakeApi:
        app = web.Application()
        app.router.add_get("/cursor", self.cursor)
        app.router.add_get("/next", self.next_url)
        app.router.add_get("/header", self.next_header)
        app.router.add_get("/status/{code}", self.status)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        await self.server.close()
