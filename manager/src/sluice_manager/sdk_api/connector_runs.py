"""Runs a connector opens, cancels or asks for (protocol §4.8, §4.9, §4.10)."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.errors import HttpError, json_response
from sluice_manager.keys import CLOCK, POOL, SETTINGS
from sluice_manager.runs.create import create_run
from sluice_manager.runs.errors import TriggerError
from sluice_manager.runs.lifecycle import finish_run
from sluice_manager.runs.trigger import trigger
from sluice_manager.sdk_api.bodies import read_validated
from sluice_manager.sources.repository import get_source
from sluice_sdk.models import SyncCancelRequest, SyncCreateRequest, WebhookNotifyRequest

log = structlog.get_logger(__name__)

CREATE_ADAPTER: TypeAdapter[SyncCreateRequest] = TypeAdapter(SyncCreateRequest)
CANCEL_ADAPTER: TypeAdapter[SyncCancelRequest] = TypeAdapter(SyncCancelRequest)
NOTIFY_ADAPTER: TypeAdapter[WebhookNotifyRequest] = TypeAdapter(WebhookNotifyRequest)

CANCELLED_BY_CONNECTOR = "Cancelled by connector"


async def sync_create(request: web.Request) -> web.Response:
    app = request.app
    settings, pool = app[SETTINGS], app[POOL]
    body = await read_validated(request, CREATE_ADAPTER, settings.max_json_body_bytes)
    source = await get_source(pool, body.source_id)
    if source is None or source.is_deleted:
        raise HttpError(404, f"source {body.source_id} not found")
    if not source.is_active:
        raise HttpError(400, f"source {body.source_id} is inactive")
    try:
        # The sync type exactly as given: no upgrade, no config validation (§4.8).
        run_id = await create_run(
            pool,
            source_id=body.source_id,
            sync_type=body.sync_type,
            trigger_type="connector",
            now=app[CLOCK].now(),
            settings=settings,
        )
    except TriggerError as exc:
        raise HttpError(exc.status, exc.message) from exc
    return json_response({"sync_run_id": run_id})


async def sync_cancel(request: web.Request) -> web.Response:
    app = request.app
    body = await read_validated(request, CANCEL_ADAPTER, app[SETTINGS].max_json_body_bytes)
    await finish_run(
        app[POOL], body.sync_run_id, "cancelled", CANCELLED_BY_CONNECTOR, app[CLOCK].now()
    )
    return json_response({"success": True})


async def webhook_notify(request: web.Request) -> web.Response:
    app = request.app
    body = await read_validated(request, NOTIFY_ADAPTER, app[SETTINGS].max_json_body_bytes)
    log.info("webhook_notified", source_id=body.source_id, event_type=body.event_type)
    try:
        run_id = await trigger(app, body.source_id, "incremental", "webhook")
    except TriggerError as exc:
        raise HttpError(exc.status, exc.message) from exc
    return json_response({"sync_run_id": run_id})
