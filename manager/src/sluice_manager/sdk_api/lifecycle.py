"""Run lifecycle endpoints (protocol §4.6). Unknown or finished runs get a no-op ack."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.body import read_bytes, read_json, validate
from sluice_manager.http.errors import ok
from sluice_manager.keys import CLOCK, POOL, SETTINGS
from sluice_manager.runs.lifecycle import complete_run, finish_run, touch_run
from sluice_manager.sdk_api.bodies import read_optional_json
from sluice_sdk.models import CountRequest, FailRequest
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

COUNT_ADAPTER: TypeAdapter[CountRequest] = TypeAdapter(CountRequest)
FAIL_ADAPTER: TypeAdapter[FailRequest] = TypeAdapter(FailRequest)


async def heartbeat(request: web.Request) -> web.Response:
    await _discard_body(request)
    await touch_run(request.app[POOL], request.match_info["id"], request.app[CLOCK].now())
    return ok()


async def scanned(request: web.Request) -> web.Response:
    return await _add_count(request, QUERIES.add_run_scanned)


async def updated(request: web.Request) -> web.Response:
    return await _add_count(request, QUERIES.add_run_updated)


async def _add_count(request: web.Request, query: str) -> web.Response:
    limit = request.app[SETTINGS].max_json_body_bytes
    data = await read_optional_json(request, limit)
    count = 1 if data is None else validate(COUNT_ADAPTER, data).count
    now = request.app[CLOCK].now()
    await request.app[POOL].execute(query, request.match_info["id"], count, now)
    return ok()


async def checkpoint(request: web.Request) -> web.Response:
    # The body is the checkpoint itself, unwrapped; JSON null is a checkpoint too (§4.6).
    value = await read_json(request, request.app[SETTINGS].max_state_bytes)
    now = request.app[CLOCK].now()
    await request.app[POOL].execute(
        QUERIES.save_run_checkpoint, request.match_info["id"], value, now
    )
    return ok()


async def complete(request: web.Request) -> web.Response:
    # Omni SDKs send counts here; the body is ignored (§11.15).
    await _discard_body(request)
    await complete_run(request.app[POOL], request.match_info["id"], request.app[CLOCK].now())
    return ok()


async def fail(request: web.Request) -> web.Response:
    limit = request.app[SETTINGS].max_json_body_bytes
    # A missing body lacks the required member: a shape error (422), not a syntax error.
    body = validate(FAIL_ADAPTER, await read_optional_json(request, limit))
    run_id = request.match_info["id"]
    await finish_run(request.app[POOL], run_id, "failed", body.error, request.app[CLOCK].now())
    return ok()


async def _discard_body(request: web.Request) -> None:
    """Bodies these endpoints ignore still count against the body limit (§1.3)."""
    await read_bytes(request, request.app[SETTINGS].max_json_body_bytes)
