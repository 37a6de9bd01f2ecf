"""``/api/sync-runs`` and the manual trigger: listing, reading, cancelling (§6.7)."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.admin.common import path_id, query_choice, query_limit, query_text, read_body
from sluice_manager.admin.models import (
    RUN_STATUSES,
    CancelResponse,
    RunView,
    TriggerBody,
    TriggerResponse,
)
from sluice_manager.http.errors import bad_request, json_response, not_found
from sluice_manager.openapi import describe
from sluice_manager.runs.cancel import cancel_run as cancel
from sluice_manager.runs.lifecycle import RunRecord, get_run
from sluice_manager.runs.trigger import trigger
from sluice_manager.services import SERVICES
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

_TRIGGER = TypeAdapter(TriggerBody)


def _run_json(run: RunRecord) -> dict[str, object]:
    return RunView.of(run).model_dump(mode="json")


async def trigger_sync(request: web.Request) -> web.Response:
    """Manual trigger (§6.7): the §9.6 trigger with type ``manual``; errors as in §4.10."""
    body = await read_body(request, _TRIGGER, allow_empty=True)
    source_id = path_id(request, what="source")
    run_id = await trigger(request.app[SERVICES], source_id, body.sync_mode, "manual")
    return json_response(TriggerResponse(sync_run_id=run_id).model_dump(), status=202)


async def list_runs(request: web.Request) -> web.Response:
    rows = await request.app[SERVICES].pool.fetch(
        QUERIES.select_runs_page,
        query_text(request, "source_id"),
        query_choice(request, "status", RUN_STATUSES),
        query_limit(request),
    )
    return json_response([_run_json(RunRecord.from_row(row)) for row in rows])


async def _existing_run(request: web.Request) -> RunRecord:
    run_id = path_id(request)
    run = await get_run(request.app[SERVICES].pool, run_id)
    if run is None:
        raise not_found(f"sync run {run_id} not found")
    return run


async def get_one_run(request: web.Request) -> web.Response:
    return json_response(_run_json(await _existing_run(request)))


async def cancel_run(request: web.Request) -> web.Response:
    """§6.7: tell the online connector (best effort), then mark the run cancelled."""
    run = await _existing_run(request)
    if not await cancel(request.app[SERVICES], run):
        raise bad_request(f"sync run {run.id} is not running")
    return json_response(CancelResponse(sync_run_id=run.id).model_dump())


def setup(app: web.Application) -> None:
    app.router.add_post("/api/sources/{id}/sync", trigger_sync)
    app.router.add_get("/api/sync-runs", list_runs)
    app.router.add_get("/api/sync-runs/{id}", get_one_run)
    app.router.add_post("/api/sync-runs/{id}/cancel", cancel_run)
    describe(
        "POST",
        "/api/sources/{id}/sync",
        request=TriggerBody,
        response=TriggerResponse,
        status=202,
        body_required=False,
    )
    describe(
        "GET", "/api/sync-runs", response=list[RunView], query=("source_id", "status", "limit")
    )
    describe("GET", "/api/sync-runs/{id}", response=RunView)
    describe("POST", "/api/sync-runs/{id}/cancel", response=CancelResponse)
