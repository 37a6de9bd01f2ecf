"""Run creation under the trigger and source locks (protocol §9.6 step 6, §4.8)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from sluice_manager.ids import new_id
from sluice_manager.runs.errors import TriggerError
from sluice_manager.services import Services
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)


def slot_of(sync_type: str) -> str:
    """The slot class of a sync type (§6.3)."""
    return "realtime" if sync_type == "realtime" else "scheduled"


async def create_run(
    services: Services,
    *,
    source_id: str,
    sync_type: str,
    trigger_type: str,
    now: datetime,
) -> str:
    """Insert a ``running`` run and return its id, or raise TriggerError (a busy slot or a cap;
    ``source_missing`` if the source was purged meanwhile).

    The trigger lock serialises the caps across replicas; the source lock orders this insert with
    the source's enqueues, which makes ``start_seq`` exact (§10.7.1). Locks in the order trigger
    lock, source lock, run row.
    """
    settings = services.settings
    slot = slot_of(sync_type)
    run_id = new_id()
    async with services.pool.acquire() as conn, conn.transaction():
        await conn.execute(QUERIES.lock_trigger)
        await conn.execute(QUERIES.lock_source, source_id)
        counts = await conn.fetchrow(QUERIES.select_trigger_counts, source_id, slot)
        assert counts is not None
        if counts["slot_busy"]:
            raise TriggerError("slot_busy", f"a {slot} run of source {source_id} is running")
        if counts["running_total"] >= settings.max_concurrent_syncs:
            raise TriggerError(
                "global_cap",
                f"max_concurrent_syncs ({settings.max_concurrent_syncs}) reached",
            )
        if counts["running_in_slot"] >= settings.max_concurrent_syncs_per_slot:
            raise TriggerError(
                "slot_cap",
                f"max_concurrent_syncs_per_slot ({settings.max_concurrent_syncs_per_slot}) "
                f"reached for {slot} runs",
            )
        try:
            await conn.execute(
                QUERIES.insert_running_run, run_id, source_id, sync_type, trigger_type, now
            )
        except asyncpg.UniqueViolationError as exc:
            raise TriggerError(
                "slot_busy", f"a {slot} run of source {source_id} is running"
            ) from exc
        except asyncpg.ForeignKeyViolationError as exc:
            # The source row was purged between the trigger's checks and this transaction.
            raise TriggerError("source_missing", f"source {source_id} not found") from exc
    log.info(
        "sync_run_created",
        source_id=source_id,
        sync_run_id=run_id,
        sync_type=sync_type,
        trigger_type=trigger_type,
    )
    return run_id
