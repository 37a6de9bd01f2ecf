"""The run executor: completion by the SDK, failure classification, cancellation (§3.7 item 6)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import BaseModel

from sluice_sdk import ConfigurationError, Connector, NoCredentials, SyncContext, TransientError
from sluice_sdk.models import SyncMode
from sluice_sdk.testing import SMALL_BATCHES, ConnectorHarness


class Config(BaseModel):
    count: int = 2


class Scripted(Connector[Config, NoCredentials]):
    """A connector whose sync runs a script given per test."""

    name = "scripted"
    source_types: ClassVar[list[str]] = ["scripted"]
    sync_modes: ClassVar[list[SyncMode]] = ["full", "incremental", "realtime"]
    config_model = Config

    def __init__(self, script: Any) -> None:
        self.script = script

    async def sync(self, ctx: SyncContext[Config, NoCredentials]) -> None:
        await self.script(ctx)


async def emit_n(ctx: SyncContext[Config, NoCredentials]) -> None:
    for i in range(ctx.config.count):
        await ctx.emit(f"d{i}", content_id="c")


async def test_returning_normally_completes_the_run() -> None:
    async with ConnectorHarness(Scripted(emit_n)) as h:
        result = await h.sync(h.add_source(config={"count": 3}))
    assert (result.outcome, result.status) == ("completed", "completed")
    assert result.document_ids == ["d0", "d1", "d2"]
    paths = h.fake.paths(f"/sdk/sync/{result.run.id}/")
    assert paths[-1] == f"POST /sdk/sync/{result.run.id}/complete"


async def test_completing_explicitly_is_not_repeated() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        await ctx.complete()

    async with ConnectorHarness(Scripted(script)) as h:
        result = await h.sync(h.add_source())
    assert result.status == "completed"
    assert len(h.fake.paths(f"/sdk/sync/{result.run.id}/complete")) == 1


async def test_a_crash_fails_the_run_as_internal() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        await ctx.emit("a", content_id="c")
        raise KeyError("boom")

    async with ConnectorHarness(Scripted(script)) as h:
        result = await h.sync(h.add_source())
    assert (result.outcome, result.status) == ("failed", "failed")
    assert result.error == "internal: KeyError: 'boom'"


async def test_connector_errors_keep_their_classification() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        raise TransientError("source is down")

    async with ConnectorHarness(Scripted(script)) as h:
        result = await h.sync(h.add_source())
    assert result.error == "transient: source is down"


async def test_invalid_config_fails_as_configuration_error() -> None:
    async with ConnectorHarness(Scripted(emit_n)) as h:
        result = await h.sync(h.add_source(config={"count": "many"}))
    assert result.status == "failed"
    assert (result.error or "").startswith("configuration: invalid config: count:")
    assert "many" not in (result.error or "")  # values may be secrets; only paths are named


async def test_configuration_error_raised_by_sync() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        raise ConfigurationError("token rejected")

    async with ConnectorHarness(Scripted(script)) as h:
        result = await h.sync(h.add_source())
    assert result.error == "configuration: token rejected"


async def test_a_format_the_manager_cannot_extract_fails_as_configuration_error() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        content_id = await ctx.content.save_file(b"%PDF-1.7", "application/pdf", "a.pdf")
        await ctx.emit("a", content_id=content_id)

    message = "this manager cannot extract PDF files without its extraction extra"
    async with ConnectorHarness(Scripted(script)) as h:
        h.fake.fail_next("/sdk/extract-content", 501, times=5, error=message)
        result = await h.sync(h.add_source())
    assert result.status == "failed"
    assert (result.error or "").startswith("configuration: ")
    assert message in (result.error or "")
    assert len(h.fake.paths("/sdk/extract-content")) == 1  # not retried


async def test_cancellation_ends_the_run_without_reporting() -> None:
    async with ConnectorHarness(Scripted(emit_n), flush_policies=SMALL_BATCHES) as h:
        result = await h.sync(h.add_source(config={"count": 5}), cancel_after_batches=1)
    assert result.outcome == "stopped"
    assert result.status == "cancelled"  # set by the fake manager, not by the SDK
    assert result.run.batches == 1
    assert not h.fake.paths(f"/sdk/sync/{result.run.id}/complete")
    assert not h.fake.paths(f"/sdk/sync/{result.run.id}/fail")


async def test_an_error_after_cancellation_is_not_reported() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        await ctx.emit("a", content_id="c")
        await ctx.flush()
        raise RuntimeError("the source connection died during shutdown")

    async with ConnectorHarness(Scripted(script), flush_policies=SMALL_BATCHES) as h:
        result = await h.sync(h.add_source(), cancel_after_batches=1)
    assert result.outcome == "stopped"
    assert not h.fake.paths(f"/sdk/sync/{result.run.id}/fail")


async def test_a_sync_that_ignores_cancellation_is_stopped_after_the_grace() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        await ctx.emit("a", content_id="c")
        await asyncio.Event().wait()  # hangs and never emits again

    async with ConnectorHarness(
        Scripted(script), flush_policies=SMALL_BATCHES, cancel_grace=0.01
    ) as h:
        result = await h.sync(h.add_source(), cancel_after_batches=1)
    assert result.outcome == "stopped"


async def test_manager_refusing_events_stops_quietly() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        h.fake.runs[ctx.sync_run_id].status = "failed"  # e.g. stale detection meanwhile
        await ctx.emit("a", content_id="c")

    async with ConnectorHarness(Scripted(script), flush_policies=SMALL_BATCHES) as h:
        result = await h.sync(h.add_source())
    assert result.outcome == "stopped"
    assert not h.fake.paths(f"/sdk/sync/{result.run.id}/fail")


async def test_a_realtime_sync_that_returns_is_not_completed() -> None:
    async with ConnectorHarness(Scripted(emit_n)) as h:
        result = await h.sync(h.add_source(), "realtime")
    assert result.outcome == "ended"
    assert result.status == "running"
    assert result.document_ids == ["d0", "d1"]  # realtime batches of one, flushed at once
    assert result.run.batches == 2


async def test_heartbeats_are_sent_while_the_sync_runs() -> None:
    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        ctx.increment_scanned(3)
        await h.fake.wait_until(lambda: h.fake.runs[ctx.sync_run_id].heartbeats >= 2)

    async with ConnectorHarness(Scripted(script), heartbeat_interval=0.01) as h:
        result = await h.sync(h.add_source())
    assert result.status == "completed"
    assert result.run.scanned == 3


async def test_sync_config_unreachable_fails_the_run_as_transient() -> None:
    async with ConnectorHarness(Scripted(emit_n)) as h:
        source = h.add_source()
        h.fake.fail_next(f"/sdk/source/{source.id}/sync-config", 503, times=5)
        result = await h.sync(source)
    assert result.status == "failed"
    assert (result.error or "").startswith("transient:")


async def test_shutdown_leaves_the_run_running_and_flushes() -> None:
    started = asyncio.Event()

    async def script(ctx: SyncContext[Config, NoCredentials]) -> None:
        await ctx.emit("a", content_id="c")
        started.set()
        await asyncio.Event().wait()

    async with ConnectorHarness(Scripted(script)) as h:
        source = h.add_source()
        task = asyncio.create_task(h.sync(source))
        await started.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        (run,) = h.fake.runs.values()
    assert run.status == "running"  # the manager resumes it later (§8.2)
    assert [e["document_id"] for e in run.events] == ["a"]
