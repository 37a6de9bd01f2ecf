"""Every ``/sdk/...`` route: what connectors call (protocol §4).

Each module reads and checks a request, calls the domain packages (registry, queue, runs,
sources, extraction) and answers; a domain error it lets through is answered by the HTTP layer
(``sluice_manager.http.statuses``).
"""

from __future__ import annotations

from aiohttp import web

from sluice_manager.sdk_api import (
    connector_configs,
    connector_runs,
    content,
    events,
    extraction,
    lifecycle,
    register,
    sources,
)


def setup(app: web.Application) -> None:
    """Register the SDK routes."""
    router = app.router
    router.add_post("/sdk/register", register.register)
    router.add_post("/sdk/events", events.post_event)
    router.add_post("/sdk/events/batch", events.post_event_batch)
    router.add_post("/sdk/content", content.post_content)
    router.add_post("/sdk/sync/create", connector_runs.sync_create)
    router.add_post("/sdk/sync/cancel", connector_runs.sync_cancel)
    router.add_post("/sdk/webhook/notify", connector_runs.webhook_notify)
    router.add_post("/sdk/sync/{id}/heartbeat", lifecycle.heartbeat)
    router.add_post("/sdk/sync/{id}/scanned", lifecycle.scanned)
    router.add_post("/sdk/sync/{id}/updated", lifecycle.updated)
    router.add_put("/sdk/sync/{id}/checkpoint", lifecycle.checkpoint)
    router.add_post("/sdk/sync/{id}/complete", lifecycle.complete)
    router.add_post("/sdk/sync/{id}/fail", lifecycle.fail)
    router.add_post("/sdk/extract-content", extraction.extract_content)
    router.add_post("/sdk/extract-text", extraction.extract_text)
    sources.setup(app)
    connector_configs.setup(app)
