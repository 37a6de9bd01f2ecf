"""Retries honour Retry-After (json-server with its flaky middleware answering 429/503), back off
with jitter otherwise, and stop; rate limits are buckets shared by scope. Waits go through a
recorded sleep, so nothing here waits for real."""

from __future__ import annotations

import random
from typing import Any

import aiohttp
import pytest

from sluice_descriptor.client import (
    ApiClient,
    ApiError,
    LimiterRegistry,
    RateSpec,
    RetryPolicy,
    SystemClock,
    TokenCache,
    UpstreamUnavailable,
    parse_retry_after,
    scope_key,
)
from sluice_descriptor.model import Descriptor
from sluice_runtime.clock import FrozenClock
from tests.declarative.descriptors import BASE_URL_CONFIG, RecordedSleeps, descriptor, operation
from tests.support.http import free_port
from tests.support.thirdparty import JsonServerFactory

POSTS = {"posts": [{"id": 1, "title": "one"}, {"id": 2, "title": "two"}]}
NONE = [{"type": "none"}]
LIMITS = [
    {"scope": "per_connection", "limit": 2, "interval_seconds": 3600, "burst": 1},
    {"scope": "per_account", "limit": 100, "interval_seconds": 60},
]


def retry_descriptor() -> Descriptor:
    """No rate limits: retries alone."""
    return descriptor(
        NONE,
        [
            operation("list_posts", "/posts", "none"),
            operation(
                "get_post",
                "/posts/{id}",
                "none",
                parameters=[{"name": "id", "location": "path", "required": True}],
            ),
        ],
        source_config=BASE_URL_CONFIG,
    )


def limits_descriptor() -> Descriptor:
    return descriptor(
        NONE,
        [
            operation("list_posts", "/posts", "none", rate_limit_scope="per_connection"),
            operation(
                "get_post",
                "/posts/{id}",
                "none",
                rate_limit_scope="per_connection",
                parameters=[{"name": "id", "location": "path", "required": True}],
            ),
            operation("list_other", "/posts", "none", rate_limit_scope="per_account"),
            operation("unscoped", "/posts", "none"),
        ],
        source_config=BASE_URL_CONFIG,
        rate_limits=LIMITS,
    )


def make_client(
    d: Descriptor,
    session: aiohttp.ClientSession,
    base_url: str,
    sleeps: RecordedSleeps,
    **options: Any,
) -> ApiClient:
    options.setdefault("limiters", LimiterRegistry())
    options.setdefault("clock", FrozenClock())
    options.setdefault("connection_key", "c1")
    return ApiClient(
        d,
        config={"base_url": base_url},
        credentials={},
        session=session,
        token_cache=TokenCache(),
        sleep=sleeps,
        rng=random.Random(7),
        **options,
    )


# -- retries --------------------------------------------------------------------------------------


async def test_429_is_retried_after_the_seconds_retry_after_names(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    client = make_client(retry_descriptor(), session, server.url("/_flaky/2/429/7"), sleeps)

    response = await client.call("list_posts")

    assert response.status == 200
    assert [post["title"] for post in response.body] == ["one", "two"]
    assert sleeps.delays == [7.0, 7.0]


async def test_retry_after_as_an_http_date(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    client = make_client(
        retry_descriptor(),
        session,
        server.url("/_flaky/1/503/date+30"),
        sleeps,
        clock=SystemClock(),
    )

    await client.call("list_posts")

    # An HTTP date has whole seconds: 30 s ahead, less the part of the second already gone.
    assert len(sleeps.delays) == 1
    assert 28.0 < sleeps.delays[0] <= 30.0


async def test_without_retry_after_the_backoff_is_jittered_and_growing(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    policy = RetryPolicy(attempts=5, backoff_base=0.5)
    client = make_client(
        retry_descriptor(), session, server.url("/_flaky/3/502/none"), sleeps, retry=policy
    )

    await client.call("list_posts")

    assert len(sleeps.delays) == 3
    for attempt, delay in enumerate(sleeps.delays, start=1):
        assert 0 <= delay <= 0.5 * 2 ** (attempt - 1)
    assert len(set(sleeps.delays)) == 3


async def test_retries_are_bounded_then_upstream_unavailable(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    client = make_client(
        retry_descriptor(),
        session,
        server.url("/_flaky/10/429/1"),
        sleeps,
        retry=RetryPolicy(attempts=3),
    )

    with pytest.raises(UpstreamUnavailable) as caught:
        await client.call("list_posts")

    assert caught.value.status == 429
    assert caught.value.retry_after == 1.0
    assert sleeps.delays == [1.0, 1.0]


async def test_a_huge_retry_after_is_capped(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    client = make_client(
        retry_descriptor(),
        session,
        server.url("/_flaky/1/429/86400"),
        sleeps,
        retry=RetryPolicy(retry_after_max=60.0),
    )

    await client.call("list_posts")

    assert sleeps.delays == [60.0]


async def test_client_errors_are_not_retried(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    client = make_client(retry_descriptor(), session, server.base_url, sleeps)

    with pytest.raises(ApiError) as caught:
        await client.call("get_post", {"id": "404"})

    assert caught.value.status == 404
    assert sleeps.delays == []


async def test_network_errors_are_retried_then_upstream_unavailable(
    session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    client = make_client(
        retry_descriptor(),
        session,
        f"http://127.0.0.1:{free_port()}",
        sleeps,
        retry=RetryPolicy(attempts=2),
    )

    with pytest.raises(UpstreamUnavailable) as caught:
        await client.call("list_posts")

    assert caught.value.status is None
    assert len(sleeps.delays) == 1


def test_parse_retry_after_reads_seconds_and_dates() -> None:
    now = FrozenClock().now()

    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# -- rate limits ----------------------------------------------------------------------------------


def test_burst_adds_capacity_and_the_drain_rate_is_the_limit() -> None:
    spec = RateSpec(limit=100, interval_seconds=60, burst=20)

    assert spec.capacity == 120
    assert spec.capacity / spec.period == pytest.approx(100 / 60)


def bucket(registry: LimiterRegistry, client: ApiClient, scope: str) -> Any:
    declared = client.descriptor.rate_limit(scope)
    assert declared is not None
    key = scope_key(
        scope,
        descriptor=client.descriptor,
        profile=client.profile,
        config=client.config,
        credentials=client.credentials,
        connection_key=client.connection_key,
    )
    return registry.limiter(
        scope, key, RateSpec(declared.limit, declared.interval_seconds, declared.burst)
    )


async def test_operations_naming_a_scope_share_its_bucket(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    registry = LimiterRegistry()
    d = limits_descriptor()
    client = make_client(d, session, server.base_url, sleeps, limiters=registry)

    await client.call("list_posts")
    await client.call("get_post", {"id": "1"})
    assert bucket(registry, client, "per_connection").has_capacity()
    await client.call("list_posts")

    # limit 2 + burst 1 taken by two operations: the next one of either would wait.
    assert not bucket(registry, client, "per_connection").has_capacity()
    assert bucket(registry, client, "per_account").has_capacity(100)
    same_source = make_client(d, session, server.base_url, sleeps, limiters=registry)
    other_source = make_client(
        d, session, server.base_url, sleeps, limiters=registry, connection_key="c2"
    )
    assert not bucket(registry, same_source, "per_connection").has_capacity()
    assert bucket(registry, other_source, "per_connection").has_capacity(3)


async def test_an_operation_without_a_scope_counts_against_every_declared_limit(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    registry = LimiterRegistry()
    client = make_client(limits_descriptor(), session, server.base_url, sleeps, limiters=registry)

    await client.call("unscoped")

    assert not bucket(registry, client, "per_connection").has_capacity(3)
    assert not bucket(registry, client, "per_account").has_capacity(100)


async def test_a_retried_request_draws_from_the_bucket_again(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, sleeps: RecordedSleeps
) -> None:
    server = json_server_factory(POSTS)
    registry = LimiterRegistry()
    client = make_client(
        limits_descriptor(),
        session,
        server.url("/_flaky/1/429/1"),
        sleeps,
        limiters=registry,
    )

    await client.call("list_posts")

    assert sleeps.delays == [1.0]
    assert bucket(registry, client, "per_connection").has_capacity(1)
    assert not bucket(registry, client, "per_connection").has_capacity(2)
