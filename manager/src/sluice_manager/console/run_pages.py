"""``/ui/runs``: history, one run's page, its live counters over server-sent events, cancel.

The live part is ``/ui/runs/{id}/events``: a ``progress`` event each second while the run runs
and an ``end`` event with the terminal state, each carrying the counters as an HTML fragment that
htmx's SSE extension swaps into the page (the same fragment the page renders on load).
"""

from __future__ import annotations

import aiohttp_jinja2
import structlog
from aiohttp import web

from sluice_manager.console.guard import SECURITY_HEADERS
from sluice_manager.console.render import (
    form,
    path_part,
    render,
    see_other,
    services_of,
    session_of,
)
from sluice_manager.http.errors import HttpError
from sluice_manager.runs.cancel import cancel_run
from sluice_manager.runs.follow import follow_run
from sluice_manager.runs.lifecycle import RunRecord, get_run
from sluice_manager.sources.repository import get_source
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

POLL_SECONDS = 1.0
RUN_STATUSES = ("running", "completed", "failed", "cancelled")  # §6.1
HISTORY_LIMIT = 200


async def list_runs(request: web.Request) -> web.Response:
    source_id = request.query.get("source_id", "").strip() or None
    status = request.query.get("status", "").strip() or None
    if status is not None and status not in RUN_STATUSES:
        raise HttpError(400, f"status must be one of {', '.join(RUN_STATUSES)}")
    if source_id is not None and "\x00" in source_id:
        raise HttpError(400, "source_id must not contain NUL characters")
    pool = services_of(request).pool
    rows = await pool.fetch(QUERIES.select_runs_page, source_id, status, HISTORY_LIMIT)
    source = None if source_id is None else await get_source(pool, source_id)
    names = {
        row["id"]: row["name"] for row in await pool.fetch(QUERIES.select_sources_page, None, 1000)
    }
    context = {
        "runs": [RunRecord.from_row(row) for row in rows],
        "names": names,
        "source": source,
        "source_id": source_id or "",
        "status": status or "",
        "statuses": RUN_STATUSES,
    }
    return render(request, "runs.html.j2", context)


async def _run(request: web.Request) -> RunRecord:
    run_id = path_part(request, what="sync run")
    run = await get_run(services_of(request).pool, run_id)
    if run is None:
        raise HttpError(404, f"sync run {run_id} not found")
    return run


async def show_run(request: web.Request) -> web.Response:
    run = await _run(request)
    source = await get_source(services_of(request).pool, run.source_id)
    return render(request, "run.html.j2", {"run": run, "source": source})


def _fragment(request: web.Request, kind: str, run: RunRecord) -> bytes:
    html = aiohttp_jinja2.render_string(
        "run_live.html.j2", request, {"run": run, "csrf_token": session_of(request).csrf}
    )
    lines = "".join(f"data: {line}\n" for line in html.strip().splitlines())
    return f"event: {kind}\n{lines}\n".encode()


async def run_events(request: web.Request) -> web.StreamResponse:
    pool = services_of(request).pool
    run = await _run(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # proxies must not hold events back
            **SECURITY_HEADERS,
        }
    )
    await response.prepare(request)
    try:
        async for kind, snapshot in follow_run(pool, run, POLL_SECONDS):
            await response.write(_fragment(request, kind, snapshot))
        await response.write_eof()
    except ConnectionError:
        log.info("console_events_client_gone", sync_run_id=run.id)
    return response


async def cancel(request: web.Request) -> web.Response:
    run = await _run(request)
    await form(request)
    if not await cancel_run(services_of(request), run):
        raise HttpError(409, f"sync run {run.id} is not running")
    return see_other(f"/ui/runs/{run.id}")


def setup(app: web.Application) -> None:
    app.router.add_get("/runs", list_runs)
    app.router.add_get("/runs/{id}", show_run)
    app.router.add_get("/runs/{id}/events", run_events)
    app.router.add_post("/runs/{id}/cancel", cancel)
