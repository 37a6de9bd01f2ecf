"""One run from ``POST /sync`` to its end: the obligations of §3.7 items 4 and 6.

The executor reads the source's config, validates it into the connector's models, runs ``sync``
with a heartbeat alongside, and ends the run: completed when ``sync`` returns (not for realtime or
cancelled runs), failed with a classified message when it raises (not when cancelled), quietly when
cancelled or refused by the manager. A shutdown (task cancelled) leaves the run running: the manager
resumes it later (§8.2).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic
import structlog

from sluice_sdk.buffer import DEFAULT_FLUSH_POLICIES, FlushPolicy
from sluice_sdk.client import ManagerClient
from sluice_sdk.connector import Connector
from sluice_sdk.context import SyncContext
from sluice_sdk.control import RunControl
from sluice_sdk.errors import ManagerError, SyncStopped, configuration_error_from, failure_message
from sluice_sdk.models import SyncMode, SyncRequest
from sluice_sdk.tasks import cancel_and_wait

RunOutcome = Literal["completed", "failed", "stopped", "ended", "interrupted"]
"""``stopped``: cancelled or refused by the manager; ``ended``: a realtime sync returned;
``interrupted``: the process is shutting down and the run is left for the manager to resume."""

log = structlog.get_logger("sdk.run")


@dataclass(frozen=True, slots=True)
class RunTiming:
    heartbeat_interval: float = 30.0
    """§3.7 item 4 asks for at least one heartbeat every 60 s."""
    cancel_grace: float = 30.0
    """After a cancel, a sync that does not stop on its own within this time is cancelled."""
    flush_policies: Mapping[SyncMode, FlushPolicy] = field(
        default_factory=lambda: dict(DEFAULT_FLUSH_POLICIES)
    )


async def execute_run(
    connector: Connector[Any, Any],
    client: ManagerClient,
    request: SyncRequest,
    *,
    control: RunControl | None = None,
    timing: RunTiming | None = None,
) -> RunOutcome:
    timing = timing or RunTiming()
    control = control or RunControl()
    bound = log.bind(source_id=request.source_id, sync_run_id=request.sync_run_id)
    try:
        ctx = await _make_context(connector, client, request, control, timing)
    except Exception as exc:
        return await _report_failure(client, request.sync_run_id, exc, bound)
    bound.info("sync_started", sync_mode=request.sync_mode, is_resume=request.is_resume)
    async with ctx:
        heartbeat = asyncio.create_task(_heartbeat(ctx, timing.heartbeat_interval))
        try:
            return await _run(connector, ctx, timing)
        finally:
            await cancel_and_wait(heartbeat)


async def _make_context(
    connector: Connector[Any, Any],
    client: ManagerClient,
    request: SyncRequest,
    control: RunControl,
    timing: RunTiming,
) -> SyncContext[Any, Any]:
    sync_config = await client.get_sync_config(request.source_id)
    try:
        config = connector.config_model.model_validate(sync_config.config)
    except pydantic.ValidationError as exc:
        raise configuration_error_from(exc, "config") from exc
    try:
        credentials = connector.credentials_model.model_validate(sync_config.credentials)
    except pydantic.ValidationError as exc:
        raise configuration_error_from(exc, "credentials") from exc
    return SyncContext(
        client,
        request,
        sync_config,
        config,
        credentials,
        control=control,
        flush_policy=timing.flush_policies[request.sync_mode],
    )


async def _run(
    connector: Connector[Any, Any], ctx: SyncContext[Any, Any], timing: RunTiming
) -> RunOutcome:
    try:
        await _sync_with_cancel_grace(connector, ctx, timing.cancel_grace)
    except SyncStopped:
        ctx.log.info("sync_stopped", reason=ctx.control.reason)
        return "stopped"
    except asyncio.CancelledError:
        await _flush_before_exit(ctx)
        ctx.log.info("sync_interrupted")
        raise
    except Exception as exc:
        if ctx.stopped:
            ctx.log.info("sync_stopped", reason=ctx.control.reason, error=str(exc))
            return "stopped"
        if ctx.finished is not None:
            ctx.log.warning("sync_raised_after_finishing", error=str(exc))
            return ctx.finished
        return await _report_failure(ctx.client, ctx.sync_run_id, exc, ctx.log)
    return await _finish(ctx)


async def _finish(ctx: SyncContext[Any, Any]) -> RunOutcome:
    if ctx.finished is not None:
        return ctx.finished
    if ctx.stopped:
        return "stopped"
    try:
        if ctx.sync_mode == "realtime":
            await ctx.flush()  # a watcher that returns is not a completed run (§3.7 item 6)
            ctx.log.info("sync_ended")
            return "ended"
        await ctx.complete()
    except SyncStopped:
        return "stopped"
    except Exception as exc:
        return await _report_failure(ctx.client, ctx.sync_run_id, exc, ctx.log)
    return "completed"


async def _sync_with_cancel_grace(
    connector: Connector[Any, Any], ctx: SyncContext[Any, Any], grace: float
) -> None:
    sync = asyncio.create_task(connector.sync(ctx), name=f"sync-{ctx.sync_run_id}")
    stopped = asyncio.create_task(ctx.control.stopped.wait())
    try:
        await asyncio.wait({sync, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not sync.done():
            # Cancelled: the sync should notice at its next emit; if it hangs, stop it.
            done, _ = await asyncio.wait({sync}, timeout=grace)
            if not done:
                ctx.log.warning("sync_cancel_grace_expired", grace_seconds=grace)
                await cancel_and_wait(sync)
                ctx.control.raise_if_stopped()
        await sync  # re-raise what the sync raised, or return
    finally:
        await cancel_and_wait(stopped)
        await cancel_and_wait(sync)


async def _heartbeat(ctx: SyncContext[Any, Any], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await ctx.heartbeat()
        except Exception as exc:  # a missed heartbeat is not fatal; the next one may pass
            ctx.log.warning("sync_heartbeat_failed", error=str(exc))


async def _flush_before_exit(ctx: SyncContext[Any, Any]) -> None:
    # Shutdown: hand over what we have, so a resume from the last checkpoint loses nothing; a
    # checkpoint is never saved here (§7.3).
    if ctx.stopped or not ctx.pending_events:
        return
    with contextlib.suppress(Exception):
        await asyncio.shield(ctx.flush())


async def _report_failure(
    client: ManagerClient, sync_run_id: str, exc: BaseException, bound: Any
) -> RunOutcome:
    message = failure_message(exc)
    bound.warning("sync_failed", error=message)
    try:
        await client.fail(sync_run_id, message[:4096])
    except ManagerError as fail_exc:
        bound.error("sync_fail_report_failed", error=str(fail_exc))
    return "failed"
