"""The trigger (protocol §9.6): the scheduler, the admin trigger and webhook notify all call it.

Checks in the protocol's order, then the run is committed (so the connector can call back before
it replies, §11.13), then dispatched with no lock held.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice_manager.registry.repository import resolve_connector
from sluice_manager.runs.create import create_run
from sluice_manager.runs.dispatch import build_sync_request, dispatch_fresh
from sluice_manager.runs.errors import TriggerError
from sluice_manager.services import Services
from sluice_manager.sources.repository import get_source
from sluice_manager.sources.validation import config_errors
from sluice_sdk.models.connector_api import SyncRequest
from sluice_sql.query_loader import QUERIES


@dataclass(frozen=True, slots=True)
class PreparedRun:
    """A committed run (§9.6 steps 1-6) not yet sent to its connector."""

    run_id: str
    connector_url: str
    request: SyncRequest


async def trigger(services: Services, source_id: str, sync_type: str, trigger_type: str) -> str:
    """Start a run of ``source_id``; returns its id or raises TriggerError (§9.6 steps 1-8)."""
    return await send(services, await prepare(services, source_id, sync_type, trigger_type))


async def send(services: Services, prepared: PreparedRun) -> str:
    """Dispatch a prepared run with no lock held (§9.6 steps 7-8); raises TriggerError."""
    await dispatch_fresh(services, connector_url=prepared.connector_url, request=prepared.request)
    return prepared.run_id


async def prepare(
    services: Services, source_id: str, sync_type: str, trigger_type: str
) -> PreparedRun:
    """Check and commit a run (§9.6 steps 1-6); raises TriggerError.

    The scheduler prepares its runs one by one, in order (so caps fall on the right sources),
    and then dispatches them together.
    """
    pool, settings = services.pool, services.settings
    now = services.clock.now()
    source = await get_source(pool, source_id)
    if source is None or source.is_deleted:  # 1
        raise TriggerError("source_missing", f"source {source_id} not found")
    if not source.is_active:  # 2
        raise TriggerError("inactive", f"source {source_id} is inactive")
    connector = await resolve_connector(  # 3
        pool, source.source_type, now, settings.registry_ttl_seconds
    )
    if connector is None:
        raise TriggerError(
            "no_connector", f"no online connector for source type {source.source_type}"
        )
    last_success = await pool.fetchval(QUERIES.select_last_success, source_id)
    effective = sync_type  # 4
    if sync_type == "realtime" and "realtime" not in connector.sync_modes:
        raise TriggerError(
            "realtime_unsupported",
            f"connector {connector.connector_id} does not support realtime sync",
        )
    if sync_type == "incremental" and (
        "incremental" not in connector.sync_modes or last_success is None
    ):
        effective = "full"
    problem = config_errors(connector.manifest.get("config_schema"), source.config)  # 5
    if problem is not None:
        raise TriggerError("invalid_config", f"invalid config: {problem}")
    run_id = await create_run(  # 6
        services, source_id=source_id, sync_type=effective, trigger_type=trigger_type, now=now
    )
    request = build_sync_request(
        run_id=run_id,
        source_id=source_id,
        sync_type=effective,
        checkpoint=source.checkpoint,  # fresh dispatch: the source's (§7.2)
        last_success=last_success,
        is_resume=False,
    )
    return PreparedRun(run_id, connector.connector_url, request)
