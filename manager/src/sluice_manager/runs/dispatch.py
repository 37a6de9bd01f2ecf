"""Sending a run to its connector: the fresh dispatch (§9.6 steps 7-8) and the resume (§8.2 step 4).

Both send the same ``sync_run_id``; they differ in the checkpoint (§7.2), ``is_resume`` and in
what an outcome does to the run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from sluice_manager.runs.errors import TriggerError
from sluice_manager.runs.lifecycle import finish_run
from sluice_manager.services import Services
from sluice_sdk.models.connector_api import SyncRequest
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

REALTIME_UNAVAILABLE = "Realtime sync not available for this source"


def build_sync_request(
    *,
    run_id: str,
    source_id: str,
    sync_type: str,
    checkpoint: Any,
    last_success: datetime | None,
    is_resume: bool,
) -> SyncRequest:
    """The SyncRequest of §3.3; ``last_sync_at`` only for incremental runs (§6.5)."""
    return SyncRequest(
        sync_run_id=run_id,
        source_id=source_id,
        sync_mode=sync_type,
        last_sync_at=last_success if sync_type == "incremental" else None,
        checkpoint=checkpoint,
        is_resume=is_resume,
    )


async def dispatch_fresh(
    services: Services,
    *,
    connector_url: str,
    request: SyncRequest,
) -> None:
    """Send a new run and apply the §9.6 step 8 outcome; raises TriggerError when not accepted."""
    run_id = request.sync_run_id
    bound = log.bind(sync_run_id=run_id, source_id=request.source_id)
    pool = services.pool
    outcome = await services.connectors.dispatch(connector_url, request)
    now = services.clock.now()
    if outcome.accepted:
        await pool.execute(QUERIES.mark_run_dispatched, run_id, now)
        bound.info("sync_dispatched", sync_mode=request.sync_mode)
        return
    if request.sync_mode == "realtime" and outcome.not_found:
        await finish_run(pool, run_id, "cancelled", REALTIME_UNAVAILABLE, now)
        bound.info("realtime_unavailable")
        raise TriggerError("realtime_unavailable", REALTIME_UNAVAILABLE, sync_run_id=run_id)
    message = outcome.error_message or "Connector rejected dispatch"
    await finish_run(pool, run_id, "failed", message, now)
    bound.warning(
        "sync_dispatch_failed", outcome=outcome.kind.value, http_status=outcome.http_status
    )
    raise TriggerError("dispatch_failed", message, sync_run_id=run_id)


async def dispatch_resume(
    services: Services,
    *,
    connector_url: str,
    request: SyncRequest,
) -> bool:
    """Re-send a lost run (§8.2 step 4). Success touches its activity; failure is only logged.

    A 409 says the connector still holds the run (an Omni SDK connector answers so while any run
    of the source is active): like ``running: true``, it resets ``resume_attempts``, and stale
    detection (§8.3) remains the fallback.
    """
    outcome = await services.connectors.dispatch(connector_url, request)
    bound = log.bind(sync_run_id=request.sync_run_id, source_id=request.source_id)
    if outcome.accepted:
        await services.pool.execute(
            QUERIES.touch_resumed_run, request.sync_run_id, services.clock.now()
        )
        bound.info("sync_resumed")
        return True
    if outcome.busy:
        await services.pool.execute(QUERIES.reset_resume_attempts, request.sync_run_id)
        bound.info("sync_resume_held_by_connector")
        return False
    bound.warning(
        "sync_resume_failed",
        outcome=outcome.kind.value,
        http_status=outcome.http_status,
        error=outcome.error_message,
    )
    return False
