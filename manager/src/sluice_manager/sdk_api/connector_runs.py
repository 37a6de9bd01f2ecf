"""Runs a connector opens, cancels or asks for (protocol §4.8, §4.9, §4.10)."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.errors import HttpError, json_response
from sluice_manager.runs.create import create_run
from sluice_manager.runs.lifecycle import finish_run
from sluice_manager.runs.trigger import trigger
from sluice_manager.sdk_api.bodies import read_validated
from sluice_manager.sdk_api.scope import allow_run, allow_source
from sluice_manager.services import SERVICES
from sluice_manager.sources.repository import get_source
from sluice_sdk.models import SyncCancelRequest, SyncCreateRequest, WebhookNotifyRequest

log = structlog.get_logger(__name__)

CREATE_ADAPTER: TypeAdapter[SyncCreateRequest] = TypeAdapter(SyncCreateRequest)
CANCEL_ADAPTER: TypeAdapter[SyncCancelRequest] = TypeAdapter(SyncCancelRequest)
NOTIFY_ADAPTER: TypeAdapter[WebhookNotifyRequest] = TypeAdapter(WebhookNotifyRequest)

CANCELLED_BY_CONNECTOR = "Cancelled by connector"


async def sync_create(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body = await read_validated(request, CREATE_ADAPTER, services.settings.max_json_body_bytes)
    await allow_source(request, body.source_id)
    source = await get_source(services.pool, body.source_id)
    if source is None or source.is_deleted:
        raise HttpError(404, f"source {body.source_id} not found")
    if not source.is_active:
        raise HttpError(400, f"source {body.source_id} is inactive")
    # The sync type exactly as given: no upgrade, no config validation (§4.8). A busy slot or a
    # cap is a TriggerError, answered as §4.10 says.
    run_id = await create_run(
        services,
        source_id=body.source_id,
        sync_type=body.sync_type,
        trigger_type="connector",
        now=services.clock.now(),
    )
    return json_response({"sync_run_id": run_id})


async def sync_cancel(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body = await read_validated(request, CANCEL_ADAPTER, services.settings.max_json_body_bytes)
    await allow_run(request, body.sync_run_id)
    await finish_run(
        services.pool, body.sync_run_id, "cancelled", CANCELLED_BY_CONNECTOR, services.clock.now()
    )
    return json_response({"success": True})


async def webhook_notify(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body = await read_validated(request, NOTIFY_ADAPTER, services.settings.max_json_body_bytes)
    await allow_source(request, body.source_id)
    log.info("webhook_notified", source_id=body.source_id, event_type=body.event_type)
    run_id = await trigger(services, body.source_id, "incremental", "webhook")
    return json_response({"sync_run_id": run_id})
