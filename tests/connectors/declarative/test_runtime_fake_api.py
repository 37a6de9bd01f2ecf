"""The runtime end to end through the SDK test kit, against a small fake API on loopback for the
pagination styles json-server cannot produce (cursor in the body, next URL in the body, next-page
header) and for upstream failures. json-server covers the others (test_json_server.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiolimiter import AsyncLimiter
from structlog.testing import capture_logs

from sluice_connector_declarative.connector import DeclarativeConnector
from sluice_descriptor.client.limits import LimiterRegistry, RateSpec
from sluice_sdk.testing import SMALL_BATCHES, ConnectorHarness, RunResult, check_manifest
from tests.connectors.declarative.fake_api import FakeApi
from tests.connectors.declarative.support import (
    FAST,
    PinningFakeManager,
    connector,
    descriptor,
    operation,
    param,
    texts,
)


class RecordingLimiters(LimiterRegistry):
    """The registry, noting the bucket every request drew from."""

    def __init__(self) -> None:
        super().__init__()
        self.used: list[AsyncLimiter] = []

    def limiter(self, scope: str, key: str, spec: RateSpec) -> AsyncLimiter:
        found = super().limiter(scope, key, spec)
        self.used.append(found)
        return found


DOCUMENT = {
    "external_id": "item-{id}",
    "title": "{title}",
    "text": "{title}",
    "updated_at": "{updated}",
}
SINCE = param("since")


def stream(name: str, operation_id: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "operation_id": operation_id, "document": DOCUMENT, **fields}


CURSOR = stream(
    "items",
    "list_cursor",
    records="$.data[*]",
    pagination={"style": "cursor", "cursor": "$.meta.next", "cursor_parameter": "after"},
    incremental={"cursor_field": "updated", "parameter": "since", "lookback_seconds": 3600},
    deleted={"field": "deleted"},
)
NEXT_URL = stream(
    "items",
    "list_next",
    records="$.items[*]",
    pagination={"style": "next_url", "next_url": "$.next"},
)
NEXT_HEADER = stream(
    "items", "list_header", pagination={"style": "next_header", "header": "X-Next-Page"}
)
OPERATIONS = [
    operation("list_cursor", "/cursor", param("after"), SINCE),
    operation("list_next", "/next", SINCE),
    operation("list_header", "/header", SINCE),
    operation("refused", "/status/401"),
    operation("down", "/status/503"),
    operation("missing", "/status/404"),
]


@pytest.fixture
async def api() -> AsyncIterator[FakeApi]:
    async with FakeApi() as served:
        yield served


async def run(
    fake: PinningFakeManager,
    api: FakeApi,
    streams: list[dict[str, Any]],
    mode: str = "full",
    *,
    source: Any = None,
    **kwargs: Any,
) -> tuple[RunResult, Any]:
    async with ConnectorHarness(connector(), fake=fake, flush_policies=SMALL_BATCHES) as harness:
        if source is None:
            source = harness.add_source(config={"base_url": api.url})
            fake.pin(source, descriptor(OPERATIONS, streams))
        result = await harness.sync(source, mode, **kwargs)  # type: ignore[arg-type]
    return result, source


@pytest.mark.parametrize(
    "spec", [CURSOR, NEXT_URL, NEXT_HEADER], ids=["cursor", "next_url", "next_header"]
)
async def test_every_page_is_read_and_every_record_emitted(
    fake: PinningFakeManager, api: FakeApi, spec: dict[str, Any]
) -> None:
    result, _ = await run(fake, api, [spec])
    assert result.status == "completed", result.error
    assert result.document_ids == [f"item-{n}" for n in range(1, 8)]
    assert texts(fake, result)["item-4"] == "Item 4"
    assert len(api.requests) == 3
    assert result.run.scanned == 7
    # One checkpoint per page, then the finished one.
    assert len(result.checkpoints) == 4
    assert result.checkpoints[-1]["finished"] is True
    assert result.checkpoints[-1]["streams"]["items"]["done"] is True


async def test_cursor_pages_send_the_token_back(fake: PinningFakeManager, api: FakeApi) -> None:
    await run(fake, api, [CURSOR])
    assert api.requests == ["/cursor", "/cursor?after=3", "/cursor?after=6"]


async def test_next_urls_are_followed_as_given(fake: PinningFakeManager, api: FakeApi) -> None:
    await run(fake, api, [NEXT_URL])
    assert api.requests == ["/next", "/next?page=2", "/next?page=3"]


async def test_a_page_is_emitted_before_the_next_is_fetched(
    fake: PinningFakeManager, api: FakeApi
) -> None:
    """Pages are streamed: page 1's documents reach the manager before page 2 is asked for."""
    delivered: dict[str, int] = {}

    def note(path: str) -> None:
        delivered[path] = sum(len(run.events) for run in fake.runs.values())

    api.on_request = note
    await run(fake, api, [CURSOR])
    assert delivered == {"/cursor": 0, "/cursor?after=3": 3, "/cursor?after=6": 6}


async def test_stream_page_events_carry_the_page_state(
    fake: PinningFakeManager, api: FakeApi
) -> None:
    with capture_logs() as logs:
        await run(fake, api, [CURSOR])
    pages = [entry for entry in logs if entry["event"] == "stream_page"]
    assert [(p["page"], p["records"], p["state"], p["next_state"], p["done"]) for p in pages] == [
        (1, 3, {"pages": 0, "seen": 0}, {"cursor": "3", "pages": 1, "seen": 3}, False),
        (
            2,
            3,
            {"cursor": "3", "pages": 1, "seen": 3},
            {"cursor": "6", "pages": 2, "seen": 6},
            False,
        ),
        (3, 1, {"cursor": "6", "pages": 2, "seen": 6}, None, True),
    ]
    assert all(p["stream"] == "items" and p["sync_run_id"] for p in pages)


async def test_a_killed_run_resumes_at_its_page(fake: PinningFakeManager, api: FakeApi) -> None:
    # Cancelled after 4 event batches (one event each): page 1 was checkpointed, page 2 was not.
    first, source = await run(fake, api, [CURSOR], cancel_after_batches=4)
    assert first.outcome == "stopped"
    saved = first.run.checkpoint
    assert saved["streams"]["items"]["page"]["cursor"] == "3"
    api.requests.clear()
    with capture_logs() as logs:
        resumed, _ = await run(fake, api, [CURSOR], source=source, checkpoint=saved, is_resume=True)
    assert resumed.status == "completed", resumed.error
    assert api.requests == ["/cursor?after=3", "/cursor?after=6"]
    assert [e["page"] for e in logs if e["event"] == "stream_page"] == [2, 3]
    assert resumed.document_ids == [f"item-{n}" for n in range(4, 8)]


async def test_incremental_sends_the_bookmark_with_lookback_and_emits_deletions(
    fake: PinningFakeManager, api: FakeApi
) -> None:
    full, source = await run(fake, api, [CURSOR])
    assert full.run.checkpoint["streams"]["items"]["high_water"] == "2026-03-01T07:00:00Z"
    api.items[6] = {**api.items[6], "title": "Item 7 renamed", "updated": "2026-03-02T01:00:00Z"}
    api.items[5] = {**api.items[5], "deleted": True, "updated": "2026-03-02T02:00:00Z"}
    api.items.append(
        {"id": 8, "title": "Item 8", "updated": "2026-03-02T03:00:00Z", "deleted": False}
    )
    api.items.sort(key=lambda item: item["updated"])
    api.requests.clear()
    changed, _ = await run(
        fake, api, [CURSOR], "incremental", source=source, checkpoint=full.run.checkpoint
    )
    assert changed.status == "completed", changed.error
    # The bookmark (07:00) moved back by the one-hour lookback.
    assert api.requests[0] == "/cursor?since=2026-03-01T06:00:00Z"
    assert changed.deleted_ids == ["item-6"]
    assert changed.document_ids == ["item-7", "item-8"]
    assert texts(fake, changed)["item-7"] == "Item 7 renamed"
    assert changed.run.checkpoint["streams"]["items"]["high_water"] == "2026-03-02T03:00:00Z"


async def test_bookmark_format_template(fake: PinningFakeManager, api: FakeApi) -> None:
    spec = {
        **CURSOR,
        "incremental": {**CURSOR["incremental"], "format": "{date({bookmark}, %Y-%m-%d)}"},
    }
    full, source = await run(fake, api, [spec])
    api.requests.clear()
    await run(fake, api, [spec], "incremental", source=source, checkpoint=full.run.checkpoint)
    assert api.requests[0] == "/cursor?since=2026-03-01"


async def test_a_full_run_ignores_the_bookmark(fake: PinningFakeManager, api: FakeApi) -> None:
    full, source = await run(fake, api, [CURSOR])
    api.requests.clear()
    again, _ = await run(fake, api, [CURSOR], source=source, checkpoint=full.run.checkpoint)
    assert api.requests[0] == "/cursor"
    assert len(again.document_ids) == 7


@pytest.mark.parametrize(
    ("operation_id", "kind"),
    [("refused", "configuration"), ("down", "transient"), ("missing", "internal")],
)
async def test_upstream_errors_are_classified(
    fake: PinningFakeManager, api: FakeApi, operation_id: str, kind: str
) -> None:
    result, _ = await run(fake, api, [stream("items", operation_id)])
    assert result.status == "failed"
    assert (result.error or "").startswith(f"{kind}:"), result.error


async def test_an_unpinned_source_is_a_configuration_error(fake: PinningFakeManager) -> None:
    async with ConnectorHarness(connector(), fake=fake) as harness:
        result = await harness.sync(harness.add_source(config={}), "full")
    assert result.status == "failed"
    assert result.error == "configuration: source is not pinned to a descriptor"


async def test_an_invalid_descriptor_is_a_configuration_error(fake: PinningFakeManager) -> None:
    async with ConnectorHarness(connector(), fake=fake) as harness:
        source = harness.add_source(config={})
        fake.pin(source, {"metadata": {"name": "x"}})
        result = await harness.sync(source, "full")
    assert result.status == "failed"
    assert (result.error or "").startswith("configuration: the pinned descriptor is invalid")


async def test_records_not_where_the_stream_says_is_a_configuration_error(
    fake: PinningFakeManager, api: FakeApi
) -> None:
    result, _ = await run(fake, api, [stream("items", "list_cursor")])  # body is an object
    assert result.status == "failed"
    assert "records" in (result.error or "")
    assert (result.error or "").startswith("configuration:")


async def test_runs_of_a_connection_share_its_rate_limit_bucket(
    fake: PinningFakeManager, api: FakeApi
) -> None:
    limiters = RecordingLimiters()
    runtime = DeclarativeConnector(limiters=limiters, retry=FAST)
    limited = [{**op, "rate_limit_scope": "per_connection"} for op in OPERATIONS]
    document = descriptor(
        limited,
        [CURSOR],
        rate_limits=[{"scope": "per_connection", "limit": 100, "interval_seconds": 1}],
    )
    async with ConnectorHarness(runtime, fake=fake) as harness:
        first = harness.add_source(config={"base_url": api.url})
        second = harness.add_source(config={"base_url": api.url})
        fake.pin(first, document)
        fake.pin(second, document)
        for source in (first, first, second):
            assert (await harness.sync(source, "full")).status == "completed"
    # Three pages a run: the first source's two runs drew from one bucket, the second's another.
    runs = [limiters.used[0:3], limiters.used[3:6], limiters.used[6:9]]
    assert len(limiters.used) == 9
    assert all(len({id(limiter) for limiter in run}) == 1 for run in runs)
    assert runs[0][0] is runs[1][0]
    assert runs[2][0] is not runs[0][0]


def test_the_manifest_declares_the_declarative_source_type() -> None:
    manifest = check_manifest(DeclarativeConnector())
    assert manifest.name == "declarative"
    assert manifest.source_types == ["declarative"]
    assert manifest.sync_modes == ["full", "incremental"]
    assert manifest.actions == []  # they come with each request's descriptor


async def test_with_several_profiles_the_credential_names_the_one_used(
    fake: PinningFakeManager, api: FakeApi
) -> None:
    """The sync-config carries credential values only; the Credential's ``auth_type`` (``api_key``
    in the fake manager) picks the profile, whose operation headers then apply."""
    keyed = [
        {**op, "auth_type_ref": "api_key", "auth_headers": {"X-Token": "{token}"}}
        for op in OPERATIONS
    ]
    document = descriptor(
        keyed,
        [CURSOR],
        authentication=[
            {"type": "none"},
            {"type": "api_key", "fields": [{"key": "token", "label": "Token", "secret": True}]},
        ],
    )
    async with ConnectorHarness(connector(), fake=fake) as harness:
        source = harness.add_source(config={"base_url": api.url}, credentials={"token": "t-1"})
        fake.pin(source, document)
        result = await harness.sync(source, "full")
    assert result.status == "completed", result.error
    assert api.tokens == ["t-1", "t-1", "t-1"]
