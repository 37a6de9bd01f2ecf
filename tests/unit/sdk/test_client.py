"""Manager client: retries with backoff on 429/5xx and transport errors, typed errors, multipart."""

from __future__ import annotations

import pytest

from sluice_sdk.client import ManagerClient
from sluice_sdk.content import ContentStore
from sluice_sdk.errors import ManagerHttpError, ManagerUnavailable
from sluice_sdk.models import ConnectorManifest
from sluice_sdk.retry import RetryPolicy, parse_retry_after
from sluice_sdk.testing import FAST_RETRY, FakeManager
from tests.support.http import free_port

MANIFEST = ConnectorManifest(
    name="m",
    version="1",
    sync_modes=["full"],
    connector_id="m",
    connector_url="http://127.0.0.1:1",
)


async def test_throttled_calls_are_retried(fake: FakeManager, client: ManagerClient) -> None:
    fake.throttle("/sdk/register", times=2, retry_after=0)
    await client.register(MANIFEST)
    assert fake.paths("/sdk/register") == ["POST /sdk/register"] * 3
    assert len(fake.registrations) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried(
    fake: FakeManager, client: ManagerClient, status: int
) -> None:
    fake.fail_next("/sdk/register", status)
    await client.register(MANIFEST)
    assert len(fake.paths("/sdk/register")) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 409, 413, 422, 500])
async def test_other_errors_are_not_retried_and_carry_status_and_message(
    fake: FakeManager, client: ManagerClient, status: int
) -> None:
    fake.fail_next("/sdk/register", status, error="nope")
    with pytest.raises(ManagerHttpError) as info:
        await client.register(MANIFEST)
    assert (info.value.status, info.value.error) == (status, "nope")
    assert info.value.path == "/sdk/register"
    assert len(fake.paths("/sdk/register")) == 1


async def test_retries_give_up_after_the_policy_attempts(
    fake: FakeManager, client: ManagerClient
) -> None:
    fake.fail_next("/sdk/register", 503, times=100)
    with pytest.raises(ManagerHttpError) as info:
        await client.register(MANIFEST)
    assert info.value.status == 503
    assert len(fake.paths("/sdk/register")) == FAST_RETRY.attempts


async def test_unreachable_manager_raises_typed_error() -> None:
    async with ManagerClient(f"http://127.0.0.1:{free_port()}", retry=FAST_RETRY) as client:
        with pytest.raises(ManagerUnavailable) as info:
            await client.register(MANIFEST)
    assert info.value.path == "/sdk/register"


async def test_bearer_token_is_sent() -> None:
    async with FakeManager(token="s3cret") as fake:
        async with ManagerClient(fake.url, "s3cret", retry=FAST_RETRY) as client:
            await client.register(MANIFEST)
        async with ManagerClient(fake.url, "wrong", retry=FAST_RETRY) as client:
            with pytest.raises(ManagerHttpError) as info:
                await client.register(MANIFEST)
    assert info.value.status == 401
    assert len(fake.registrations) == 1


async def test_extraction_uses_the_omni_multipart_layout(
    fake: FakeManager, client: ManagerClient
) -> None:
    store = ContentStore(client, "run-1")
    content_id = await store.save_file(b"hello file", "text/plain", "a.txt")
    assert fake.contents[content_id] == "hello file"
    (parts,) = fake.extractions
    assert parts["sync_run_id"] == "run-1"
    assert parts["mime_type"] == "text/plain"
    assert parts["filename"] == "a.txt"
    assert parts["data"] == b"hello file"
    assert parts["data_filename"] == "file"
    assert await store.extract_text(b"plain", "text/plain") == "plain"
    assert "filename" not in fake.extractions[1]


async def test_extraction_429_is_retried_at_most_five_attempts(fake: FakeManager) -> None:
    # A client whose own policy allows only one attempt: extraction still gets five (§3.7 item 8).
    async with ManagerClient(
        fake.url, retry=RetryPolicy(attempts=1, retry_after_max=0.01)
    ) as client:
        store = ContentStore(client, "run-1")
        fake.throttle("/sdk/extract-content", times=4, retry_after=30)
        assert await store.save_file(b"x", "text/plain")
        fake.throttle("/sdk/extract-content", times=5, retry_after=30)
        with pytest.raises(ManagerHttpError) as info:
            await store.save_file(b"x", "text/plain")
    assert info.value.status == 429
    assert len(fake.paths("/sdk/extract-content")) == 5 + 5


async def test_extraction_413_is_raised_naming_the_status(
    fake: FakeManager, client: ManagerClient
) -> None:
    fake.fail_next("/sdk/extract-content", 413, error="request body exceeds 10 bytes")
    with pytest.raises(ManagerHttpError, match="HTTP 413") as info:
        await ContentStore(client, "run-1").save_file(b"x" * 20, "application/pdf")
    assert info.value.status == 413


async def test_large_counts_are_split(fake: FakeManager, client: ManagerClient) -> None:
    run = fake.create_run(fake.add_source().id)
    await client.add_scanned(run.id, 2_500_000)
    assert run.scanned == 2_500_000
    assert len(fake.paths(f"/sdk/sync/{run.id}/scanned")) == 3


async def test_source_reads_and_connector_driven_runs(
    fake: FakeManager, client: ManagerClient
) -> None:
    source = fake.add_source("docs", config={"root": "/"}, credentials={"token": "t"})
    assert (await client.get_source(source.id)).config == {"root": "/"}
    assert (await client.get_credentials(source.id)).credentials == {"token": "t"}
    assert [s.id for s in await client.sources_by_type("docs")] == [source.id]
    run_id = await client.create_sync(source.id, "incremental")
    with pytest.raises(ManagerHttpError) as info:
        await client.create_sync(source.id, "full")
    assert info.value.status == 409
    await client.cancel_sync(run_id)
    assert fake.runs[run_id].status == "cancelled"
    assert await client.notify_webhook(source.id, "push")
    with pytest.raises(ManagerHttpError) as missing:
        await client.get_source("nope")
    assert missing.value.status == 404


def test_retry_after_parsing() -> None:
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
