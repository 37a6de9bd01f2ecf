"""Cancelling a running run on an operator's request (§6.7): the admin API and the console."""

from __future__ import annotations

import structlog

from sluice_manager.registry.repository import resolve_connector
from sluice_manager.runs.lifecycle import RunRecord, finish_run
from sluice_manager.services import Services
from sluice_manager.sources.repository import get_source

log = structlog.get_logger(__name__)

CANCELLED_BY_USER = "Cancelled by user"  # §6.2, normative


async def cancel_run(services: Services, run: RunRecord) -> bool:
    """Tell the online connector (best effort), then mark the run cancelled; False when the run
    was not (or no longer) running."""
    if run.status != "running":
        return False
    pool, clock = services.pool, services.clock
    source = await get_source(pool, run.source_id)
    if source is not None:
        connector = await resolve_connector(
            pool, source.source_type, clock.now(), services.settings.registry_ttl_seconds
        )
        if connector is not None:
            await services.connectors.cancel(connector.connector_url, run.id)
    # The clock is read again: the cancel call can take up to its 10 s timeout.
    if not await finish_run(pool, run.id, "cancelled", CANCELLED_BY_USER, clock.now()):
        return False
    log.info("run_cancelled_by_admin", sync_run_id=run.id, source_id=run.source_id)
    return True
