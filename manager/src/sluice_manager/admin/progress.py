"""``GET /api/sync-runs/{id}/progress``: server-sent events with the run's counters.

One ``progress`` event per second while the run is running, then one ``end`` event with the
terminal snapshot, then the stream closes. The handler's own loop is the only task; it ends when
the run ends or the client goes away.
"""

from __future__ import annotations

import orjson
import structlog
from aiohttp import web

from sluice_manager.admin.common import path_id
from sluice_manager.admin.models import RunView
from sluice_manager.http.errors import not_found
from sluice_manager.openapi import describe
from sluice_manager.runs.follow import follow_run
from sluice_manager.runs.lifecycle import RunRecord, get_run
from sluice_manager.services import SERVICES

log = structlog.get_logger(__name__)

POLL_SECONDS = 1.0


def _event(kind: str, run: RunRecord) -> bytes:
    data = orjson.dumps(RunView.of(run).model_dump(mode="json"))
    return b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n"


async def run_progress(request: web.Request) -> web.StreamResponse:
    pool = request.app[SERVICES].pool
    run_id = path_id(request)
    run = await get_run(pool, run_id)
    if run is None:
        raise not_found(f"sync run {run_id} not found")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # proxies must not hold events back
        }
    )
    await response.prepare(request)
    try:
        async for kind, snapshot in follow_run(pool, run, POLL_SECONDS):
            await response.write(_event(kind, snapshot))
        await response.write_eof()
    except ConnectionError:
        log.info("progress_client_gone", sync_run_id=run_id)
    finally:
        # Also reached when the server cancels the handler (shutdown, client gone).
        log.info("progress_stream_closed", sync_run_id=run_id)
    return response


def setup(app: web.Application) -> None:
    app.router.add_get("/api/sync-runs/{id}/progress", run_progress)
    describe("GET", "/api/sync-runs/{id}/progress", content_type="text/event-stream")
