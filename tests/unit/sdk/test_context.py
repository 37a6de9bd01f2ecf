"""SyncContext against the fake manager: ordering, batching, timed flush, checkpoint after flush."""

from __future__ import annotations

from typing import Any

import pytest

from sluice_sdk.buffer import FlushPolicy
from sluice_sdk.client import ManagerClient
from sluice_sdk.connector import NoConfig, NoCredentials
from sluice_sdk.context import SyncContext
from sluice_sdk.errors import ManagerHttpError, RunNotRunning, SyncCancelled
from sluice_sdk.models import SyncConfig, SyncRequest
from sluice_sdk.testing import FakeManager

SLOW = FlushPolicy(max_events=1000, max_age_seconds=3600)


def make_ctx(
    fake: FakeManager, client: ManagerClient, policy: FlushPolicy = SLOW, **request: Any
) -> SyncContext[NoConfig, NoCredentials]:
    source = fake.add_source()
    run = fake.create_run(source.id, request.pop("sync_mode", "full"))
    sync_request = SyncRequest(
        sync_run_id=run.id, source_id=source.id, sync_mode=run.sync_mode, **request
    )
    return SyncContext(
        client,
        sync_request,
        SyncConfig(source_type="test"),
        NoConfig(),
        NoCredentials(),
        flush_policy=policy,
    )


async def test_events_arrive_in_emission_order(fake: FakeManager, client: ManagerClient) -> None:
    async with make_ctx(fake, client, FlushPolicy(max_events=3, max_age_seconds=3600)) as ctx:
        for i in range(7):
            await ctx.emit(f"d{i}", content_id="c")
        await ctx.emit_deleted("d0")
        await ctx.emit_group_membership("G@x.com", ["a@x.com"], group_name="G")
        await ctx.flush()
    run = fake.runs[ctx.sync_run_id]
    assert [e.get("document_id") for e in run.events] == [*(f"d{i}" for i in range(7)), "d0", None]
    assert [e["type"] for e in run.events[-2:]] == ["document_deleted", "group_membership_sync"]
    assert run.batches == 3  # two full batches of 3, then the rest on flush


async def test_count_limit_flushes_without_waiting(
    fake: FakeManager, client: ManagerClient
) -> None:
    async with make_ctx(fake, client, FlushPolicy(max_events=2, max_age_seconds=3600)) as ctx:
        await ctx.emit("a", content_id="c")
        assert fake.runs[ctx.sync_run_id].batches == 0
        await ctx.emit("b", content_id="c")
        assert fake.runs[ctx.sync_run_id].batches == 1
        assert ctx.pending_events == 0


async def test_age_limit_flushes_an_idle_buffer(fake: FakeManager, client: ManagerClient) -> None:
    async with make_ctx(fake, client, FlushPolicy(max_events=1000, max_age_seconds=0.05)) as ctx:
        await ctx.emit("a", content_id="c")
        assert fake.runs[ctx.sync_run_id].batches == 0
        # Nothing else is emitted: the timer alone must deliver the event.
        await fake.wait_until(lambda: fake.runs[ctx.sync_run_id].batches == 1)
    assert fake.runs[ctx.sync_run_id].events[0]["document_id"] == "a"


async def test_checkpoint_is_saved_after_the_flush(
    fake: FakeManager, client: ManagerClient
) -> None:
    async with make_ctx(fake, client) as ctx:
        await ctx.emit("a", content_id="c")
        await ctx.save_checkpoint({"cursor": 1})
    paths = fake.paths("/sdk/")
    assert paths.index("POST /sdk/events/batch") < paths.index(
        f"PUT /sdk/sync/{ctx.sync_run_id}/checkpoint"
    )
    run = fake.runs[ctx.sync_run_id]
    assert run.checkpoints == [{"cursor": 1}]
    assert run.checkpoint_event_counts == [1]
    assert ctx.checkpoint == {"cursor": 1}


async def test_failed_flush_keeps_the_buffer_and_saves_no_checkpoint(
    fake: FakeManager, client: ManagerClient
) -> None:
    async with make_ctx(fake, client) as ctx:
        await ctx.emit("a", content_id="c")
        fake.fail_next("/sdk/events/batch", 500)
        with pytest.raises(ManagerHttpError) as info:
            await ctx.save_checkpoint({"cursor": 1})
        assert info.value.status == 500
        assert ctx.pending_events == 1
        assert fake.runs[ctx.sync_run_id].checkpoints == []
        await ctx.save_checkpoint({"cursor": 1})
    assert [e["document_id"] for e in fake.runs[ctx.sync_run_id].events] == ["a"]


async def test_400_on_emission_stops_the_sync(fake: FakeManager, client: ManagerClient) -> None:
    async with make_ctx(fake, client) as ctx:
        await ctx.emit("a", content_id="c")
        fake.cancel_run(ctx.sync_run_id)  # the manager finished the run meanwhile
        with pytest.raises(RunNotRunning):
            await ctx.flush()
        assert ctx.stopped
        with pytest.raises(RunNotRunning):
            await ctx.emit("b", content_id="c")


async def test_cancel_makes_the_next_emit_raise(fake: FakeManager, client: ManagerClient) -> None:
    async with make_ctx(fake, client) as ctx:
        await ctx.emit("a", content_id="c")
        ctx.control.cancel()
        assert ctx.cancelled
        with pytest.raises(SyncCancelled):
            await ctx.emit("b", content_id="c")
        with pytest.raises(SyncCancelled):
            await ctx.sleep(3600)


async def test_counters_are_batched(fake: FakeManager, client: ManagerClient) -> None:
    async with make_ctx(fake, client) as ctx:
        for _ in range(50):
            ctx.increment_scanned()
        ctx.increment_updated(7)
        await ctx.complete()
    run = fake.runs[ctx.sync_run_id]
    assert (run.scanned, run.updated, run.status) == (50, 7, "completed")
    assert len(fake.paths(f"/sdk/sync/{ctx.sync_run_id}/scanned")) == 1


async def test_complete_with_checkpoint_saves_it_first(
    fake: FakeManager, client: ManagerClient
) -> None:
    async with make_ctx(fake, client) as ctx:
        await ctx.emit("a", content_id="c")
        await ctx.complete(checkpoint={"cursor": "end"})
    run_paths = fake.paths(f"/sdk/sync/{ctx.sync_run_id}/")
    assert run_paths[-2:] == [
        f"PUT /sdk/sync/{ctx.sync_run_id}/checkpoint",
        f"POST /sdk/sync/{ctx.sync_run_id}/complete",
    ]
    assert fake.sources[ctx.source_id].checkpoint == {"cursor": "end"}


async def test_emit_with_text_stores_content_and_writes_protocol_shapes(
    fake: FakeManager, client: ManagerClient
) -> None:
    async with make_ctx(fake, client) as ctx:
        await ctx.emit("a", text="hello", metadata={"title": "T", "size": 5}, attributes={})
        await ctx.emit_updated("a", content_id="c2", metadata={"title": "T2"})
        await ctx.flush()
    created, updated = fake.runs[ctx.sync_run_id].events
    assert fake.contents[created["content_id"]] == "hello"
    assert created["metadata"] == {"title": "T", "size": "5"}
    assert created["permissions"] == {"public": False, "users": [], "groups": []}
    assert "attributes" not in created
    assert "permissions" not in updated


async def test_request_fields_are_exposed(fake: FakeManager, client: ManagerClient) -> None:
    ctx = make_ctx(fake, client, sync_mode="incremental", checkpoint={"c": 1}, is_resume=True)
    assert ctx.sync_mode == "incremental"
    assert ctx.checkpoint == {"c": 1}
    assert ctx.is_resume is True
    assert ctx.last_sync_at is None
    assert ctx.source_type == "test"


@pytest.mark.parametrize(
    ("sync_mode", "is_resume", "expected"),
    [
        ("full", False, None),  # a fresh full run lists everything (§10.7)
        ("full", True, {"c": 1}),  # a resume continues at the run's checkpoint (§7.2)
        ("incremental", False, {"c": 1}),
        ("realtime", False, {"c": 1}),
    ],
)
async def test_only_a_fresh_full_run_starts_without_the_checkpoint(
    fake: FakeManager, client: ManagerClient, sync_mode: str, is_resume: bool, expected: object
) -> None:
    ctx = make_ctx(fake, client, sync_mode=sync_mode, checkpoint={"c": 1}, is_resume=is_resume)
    assert ctx.checkpoint == expected
    assert ctx.request.checkpoint == {"c": 1}  # what the manager sent stays readable


async def test_save_state_replaces_connector_state(
    fake: FakeManager, client: ManagerClient
) -> None:
    ctx = make_ctx(fake, client)
    await ctx.save_state({"webhook_id": 7})
    assert fake.sources[ctx.source_id].connector_state == {"webhook_id": 7}
    assert ctx.connector_state == {"webhook_id": 7}
