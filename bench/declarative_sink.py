"""The manager as the declarative benchmark's connectors see it: the ``/sdk/...`` routes a sync
calls, answered from memory with counts only (protocol §4).

Nothing of a run is kept but its counters and its first event, so the sink's own memory and CPU
stay small however many records a sync sends, and both contenders meet the same manager. The
benchmark drives it through ``/bench/...``:

* ``PUT /bench/sources/{id}``: the body is what ``GET /sdk/source/{id}/sync-config`` answers;
* ``GET /bench/runs/{id}``: the run's counters; with ``?wait=SECONDS`` the reply waits until the
  run completed or failed (or the time is up).

Run as ``python -m bench.declarative_sink PORT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
from dataclasses import dataclass, field, fields
from typing import Any

import orjson
import uvloop
from aiohttp import web

OK = b'{"status":"ok"}'


@dataclass
class RunStats:
    status: str = "running"
    error: str | None = None
    events: int = 0
    batches: int = 0
    contents: int = 0
    checkpoints: int = 0
    scanned: int = 0
    first_event: dict[str, Any] | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "finished"}


class Sink:
    def __init__(self) -> None:
        self.sync_configs: dict[str, bytes] = {}
        self.runs: dict[str, RunStats] = {}
        self.content_ids = itertools.count(1)

    def run(self, run_id: str) -> RunStats:
        stats = self.runs.get(run_id)
        if stats is None:
            stats = self.runs[run_id] = RunStats()
        return stats

    # --- /sdk ---------------------------------------------------------------------------------

    async def ok(self, request: web.Request) -> web.Response:
        await request.read()
        return _json(OK)

    async def sync_config(self, request: web.Request) -> web.Response:
        body = self.sync_configs.get(request.match_info["id"])
        if body is None:
            return _json(b'{"error":"source not found"}', status=404)
        return _json(body)

    async def content(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        self.run(body["sync_run_id"]).contents += 1
        return _json(b'{"content_id":"c%d"}' % next(self.content_ids))

    async def events_batch(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        stats = self.run(body["sync_run_id"])
        events = body["events"]
        if stats.first_event is None and events:
            stats.first_event = events[0]
        stats.events += len(events)
        stats.batches += 1
        return _json(OK)

    async def scanned(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        self.run(request.match_info["id"]).scanned += int(body["count"])
        return _json(OK)

    async def checkpoint(self, request: web.Request) -> web.Response:
        await request.read()
        self.run(request.match_info["id"]).checkpoints += 1
        return _json(OK)

    async def complete(self, request: web.Request) -> web.Response:
        await request.read()
        self._finish(request.match_info["id"], "completed", None)
        return _json(OK)

    async def fail(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        self._finish(request.match_info["id"], "failed", str(body.get("error")))
        return _json(OK)

    def _finish(self, run_id: str, status: str, error: str | None) -> None:
        stats = self.run(run_id)
        stats.status, stats.error = status, error
        stats.finished.set()

    # --- /bench -------------------------------------------------------------------------------

    async def put_source(self, request: web.Request) -> web.Response:
        self.sync_configs[request.match_info["id"]] = await request.read()
        return _json(OK)

    async def get_run(self, request: web.Request) -> web.Response:
        stats = self.run(request.match_info["id"])
        wait = float(request.query.get("wait", "0"))
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stats.finished.wait(), wait)
        return _json(orjson.dumps(stats.as_json()))

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        r = app.router
        r.add_get("/health", self.ok)
        r.add_post("/sdk/register", self.ok)
        r.add_get("/sdk/source/{id}/sync-config", self.sync_config)
        r.add_post("/sdk/content", self.content)
        r.add_post("/sdk/events/batch", self.events_batch)
        r.add_post("/sdk/sync/{id}/heartbeat", self.ok)
        r.add_post("/sdk/sync/{id}/scanned", self.scanned)
        r.add_post("/sdk/sync/{id}/updated", self.ok)
        r.add_put("/sdk/sync/{id}/checkpoint", self.checkpoint)
        r.add_post("/sdk/sync/{id}/complete", self.complete)
        r.add_post("/sdk/sync/{id}/fail", self.fail)
        r.add_put("/bench/sources/{id}", self.put_source)
        r.add_get("/bench/runs/{id}", self.get_run)
        return app


def _json(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


def main() -> None:
    port = int(sys.argv[1])
    web.run_app(
        Sink().app(),
        host="127.0.0.1",
        port=port,
        print=None,
        access_log=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
