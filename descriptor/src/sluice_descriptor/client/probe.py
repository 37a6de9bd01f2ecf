"""The test endpoint: does a source's config and credentials work? Run on source creation and on
demand; every failure becomes an outcome with the upstream status, never an exception."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from sluice_descriptor.client.api import ApiClient
from sluice_descriptor.client.build import absolute_url
from sluice_descriptor.client.clock import Clock
from sluice_descriptor.client.context import render, render_map
from sluice_descriptor.client.errors import ApiError, ConfigurationProblem, UpstreamUnavailable
from sluice_descriptor.client.limits import LimiterRegistry
from sluice_descriptor.client.retry import RetryPolicy
from sluice_descriptor.client.tokens import TokenCache
from sluice_descriptor.client.transport import Outgoing
from sluice_descriptor.model import Descriptor

PROBE_RETRY = RetryPolicy(attempts=2, retry_after_max=5.0)
"""A person waits on the answer: one retry, short waits."""


@dataclass(frozen=True, slots=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    ok: bool
    status: int | None
    """The test endpoint's status (or the token endpoint's), None when no request was answered."""
    message: str


async def run_test_endpoint(
    descriptor: Descriptor,
    auth_type: str | None,
    config: Mapping[str, Any],
    credentials: Mapping[str, Any],
    session: aiohttp.ClientSession,
    *,
    clock: Clock | None = None,
    token_cache: TokenCache | None = None,
    limiters: LimiterRegistry | None = None,
    retry: RetryPolicy = PROBE_RETRY,
) -> TestOutcome:
    """Call the chosen profile's ``test_endpoint`` with the profile's auth; ok when it answers
    ``expected_status``. A profile without a test endpoint passes."""
    try:
        client = ApiClient(
            descriptor,
            config=config,
            credentials=credentials,
            auth_type=auth_type,
            session=session,
            connection_key="test-endpoint",
            limiters=limiters if limiters is not None else LimiterRegistry(),
            token_cache=token_cache if token_cache is not None else TokenCache(),
            clock=clock,
            retry=retry,
        )
        endpoint = client.profile.test_endpoint
        if endpoint is None:
            return TestOutcome(True, None, "the authentication profile has no test_endpoint")
        where = f"authentication[{client.profile.type}].test_endpoint"

        def outgoing(ctx: Mapping[str, Any], auth_headers: Mapping[str, str]) -> Outgoing:
            url = absolute_url(render(endpoint.url, ctx, f"{where}.url"), client.config, where)
            headers = {**auth_headers, **render_map(endpoint.headers, ctx, f"{where}.headers")}
            return Outgoing(endpoint.method, url, headers)

        response = await client.send_with_profile_auth(outgoing)
    except ApiError as exc:
        return TestOutcome(False, exc.status, exc.message)
    except UpstreamUnavailable as exc:
        return TestOutcome(False, exc.status, exc.message)
    except ConfigurationProblem as exc:
        return TestOutcome(False, None, str(exc))
    if response.status == endpoint.expected_status:
        return TestOutcome(True, response.status, "the credentials were accepted")
    return TestOutcome(
        False,
        response.status,
        f"the test endpoint answered {response.status}, expected {endpoint.expected_status}",
    )
