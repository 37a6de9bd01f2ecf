"""The raw ingest ceiling: a minimal aiohttp handler that parses a JSON batch and COPYs it.

No auth, no validation, no run checks: what is left when Sluice's own work is taken away.
Run as ``python -m bench.raw_ingest PORT DATABASE_URL``.
"""

from __future__ import annotations

import sys

import asyncpg
import orjson
import uvloop
from aiohttp import web

COLUMNS = ["source_id", "sync_run_id", "event_type", "entity_kind", "entity_key", "payload"]
POOL = web.AppKey("pool", asyncpg.Pool)


async def batch(request: web.Request) -> web.Response:
    body = orjson.loads(await request.read())
    source_id, run_id = body["source_id"], body["sync_run_id"]
    records = [
        (source_id, run_id, e["type"], "document", e["document_id"], orjson.dumps(e).decode())
        for e in body["events"]
    ]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await conn.copy_records_to_table("raw_event_queue", records=records, columns=COLUMNS)
        await conn.execute("SELECT pg_notify('raw_events', $1)", source_id)
    return web.json_response({"status": "ok"})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    port, url = int(sys.argv[1]), sys.argv[2]

    async def pool_ctx(app: web.Application):  # type: ignore[no-untyped-def]
        app[POOL] = await asyncpg.create_pool(url, min_size=4, max_size=10)
        yield
        await app[POOL].close()

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.cleanup_ctx.append(pool_ctx)
    app.router.add_post("/batch", batch)
    app.router.add_get("/health", health)
    # On uvloop, as the manager runs: the ceiling gets every advantage Sluice has.
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
