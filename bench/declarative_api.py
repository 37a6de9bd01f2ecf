"""The declarative benchmark's local API: synthetic records served page by page.

``GET /sets/{count}/items?page=P&per_page=S`` answers ``{"items": [...], "page": P, "per_page": S,
"total": count, "has_more": bool}``, pages numbered from 1. Record ``i`` (from 1) is
``{"id", "title", "body", "updated_at"}``, with ~500 bytes of English in ``body``. Records are
made when a page is asked for, from a pool of texts drawn once at start-up, so a 100,000-record set
costs the server no memory; the same ``i`` always gives the same record.

Run as ``python -m bench.declarative_api PORT``; a process of its own, so serving pages does not
share the measured connector's event loop.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import uvloop
from aiohttp import web

from bench.corpus import TextGenerator

POOL = 1024
BODY_BYTES = 500
MAX_PER_PAGE = 1000
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

_gen = TextGenerator(seed=14)
TITLES = [_gen.title() for _ in range(POOL)]
BODIES = [_gen.text(BODY_BYTES) for _ in range(POOL)]


def record(i: int) -> dict[str, Any]:
    stamp = EPOCH + timedelta(seconds=i)
    return {
        "id": i,
        "title": TITLES[i % POOL],
        "body": BODIES[(i * 7) % POOL],
        "updated_at": stamp.isoformat().replace("+00:00", "Z"),
    }


def page_body(total: int, page: int, per_page: int) -> dict[str, Any]:
    first = (page - 1) * per_page + 1
    last = min(total, page * per_page)
    return {
        "items": [record(i) for i in range(first, last + 1)],
        "page": page,
        "per_page": per_page,
        "total": total,
        "has_more": last < total,
    }


async def items(request: web.Request) -> web.Response:
    try:
        total = int(request.match_info["count"])
        page = int(request.query.get("page", "1"))
        per_page = int(request.query.get("per_page", "100"))
    except ValueError:
        return web.json_response({"error": "page, per_page and count are integers"}, status=400)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        return web.json_response({"error": "page >= 1, 1 <= per_page <= 1000"}, status=400)
    body = orjson.dumps(page_body(total, page, per_page))
    return web.Response(body=body, content_type="application/json")


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    port = int(sys.argv[1])
    app = web.Application()
    app.router.add_get("/sets/{count}/items", items)
    app.router.add_get("/health", health)
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        print=None,
        access_log=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
