"""Run lifecycle endpoints (protocol §4.6). Unknown or finished runs get a no-op ack."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.body import read_bytes, read_stored_json, validate
from sluice_manager.http.errors import ok
from sluice_manager.runs.lifecycle import complete_run, finish_run, touch_run
from sluice_manager.sdk_api.bodies import read_optional_json
from sluice_manager.sdk_api.scope import allow_run
from sluice_manager.services import SERVICES, Services
from sluice_sdk.models import CountRequest, FailRequest
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

COUNT_ADAPTER: TypeAdapter[CountRequest] = TypeAdapter(CountRequest)
FAIL_ADAPTER: TypeAdapter[FailRequest] = TypeAdapter(FailRequest)


async def heartbeat(request: web.Request) -> web.Response:
    await allow_run(request, request.match_info["id"])
    services = request.app[SERVICES]
    await _discard_body(request, services)
    await touch_run(services.pool, request.match_info["id"], services.clock.now())
    return ok()


async def scanned(request: web.Request) -> web.Response:
    return await _add_count(request, QUERIES.add_run_scanned)


async def updated(request: web.Request) -> web.Response:
    return await _add_count(request, QUERIES.add_run_updated)


async def _add_count(request: web.Request, query: str) -> web.Response:
    await allow_run(request, request.match_info["id"])
    services = request.app[SERVICES]
    data = await read_optional_json(request, services.settings.max_json_body_bytes)
    count = 1 if data is None else validate(COUNT_ADAPTER, data).count
    now = services.clock.now()
    await services.pool.execute(query, request.match_info["id"], count, now)
    return ok()


async def checkpoint(request: web.Request) -> web.Response:
    # The body is the checkpoint itself, unwrapped; JSON null is a checkpoint too (§4.6).
    await allow_run(request, request.match_info["id"])
    services = request.app[SERVICES]
    value = await read_stored_json(request, services.settings, "checkpoint")
    now = services.clock.now()
    await services.pool.execute(QUERIES.save_run_checkpoint, request.match_info["id"], value, now)
    return ok()


async def complete(request: web.Request) -> web.Response:
    # Omni SDKs send counts here; the body is ignored (§11.15).
    await allow_run(request, request.match_info["id"])
    services = request.app[SERVICES]
    await _discard_body(request, services)
    await complete_run(
        services.pool,
        request.match_info["id"],
        services.clock.now(),
        registry_ttl_seconds=services.settings.registry_ttl_seconds,
    )
    return ok()


async def fail(request: web.Request) -> web.Response:
    await allow_run(request, request.match_info["id"])
    services = request.app[SERVICES]
    limit = services.settings.max_json_body_bytes
    # A missing body lacks the required member: a shape error (422), not a syntax error.
    body = validate(FAIL_ADAPTER, await read_optional_json(request, limit))
    run_id = request.match_info["id"]
    await finish_run(services.pool, run_id, "failed", body.error, services.clock.now())
    return ok()


async def _discard_body(request: web.Request, services: Services) -> None:
    """Bodies these endpoints ignore still count against the body limit (§1.3)."""
    await read_bytes(request, services.settings.max_json_body_bytes)
