"""One upstream request with the retry policy: rate limit per attempt, 429/5xx retried honouring
``Retry-After``, network errors retried, the body read as JSON when the content type says so."""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL

from sluice_descriptor.client.clock import Clock, Sleep, real_sleep
from sluice_descriptor.client.errors import UpstreamUnavailable
from sluice_descriptor.client.retry import RetryPolicy, parse_retry_after

BeforeAttempt = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    """Case-insensitive (aiohttp's CIMultiDictProxy)."""
    body: Any
    """Decoded JSON when the content type is JSON, else the text; None when empty."""
    url: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    method: str
    url: str | URL
    headers: Mapping[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    json_body: Any = None
    form_body: str | None = None


def is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def read_body(response: aiohttp.ClientResponse) -> Any:
    raw = await response.read()
    if not raw:
        return None
    text = raw.decode(response.get_encoding(), errors="replace")
    if is_json_type(response.headers.get("Content-Type", "")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class Transport:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        clock: Clock,
        sleep: Sleep = real_sleep,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.sleep = sleep
        self.policy = policy or RetryPolicy()
        self.rng = rng or random.Random()

    async def send(self, out: Outgoing, before_attempt: BeforeAttempt | None = None) -> ApiResponse:
        """The first answer that is not retryable; ``UpstreamUnavailable`` when every attempt
        failed. ``before_attempt`` runs before each attempt (the rate limiter: a retry is a
        request too)."""
        policy = self.policy
        for attempt in range(1, policy.attempts + 1):
            if before_attempt is not None:
                await before_attempt()
            try:
                response = await self._once(out)
            except (aiohttp.ClientError, TimeoutError) as exc:
                if attempt == policy.attempts:
                    raise UpstreamUnavailable(
                        f"{out.method} {_origin(out.url)} failed: {type(exc).__name__}"
                    ) from exc
                await self.sleep(policy.delay(attempt, None, self.rng))
                continue
            if not policy.retries(response.status):
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock.now())
            if attempt == policy.attempts:
                raise UpstreamUnavailable(
                    f"{out.method} {_origin(out.url)} answered {response.status} "
                    f"after {attempt} attempts",
                    status=response.status,
                    retry_after=retry_after,
                )
            await self.sleep(policy.delay(attempt, retry_after, self.rng))
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def _once(self, out: Outgoing) -> ApiResponse:
        data: str | None = out.form_body
        headers = dict(out.headers)
        if data is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        async with self.session.request(
            out.method,
            out.url,
            headers=headers,
            params=out.query or None,
            json=out.json_body,
            data=data,
        ) as response:
            body = await read_body(response)
            return ApiResponse(response.status, response.headers, body, str(response.url))


def _origin(url: str | URL) -> str:
    """Scheme, host and path only: a query string may carry a key."""
    parsed = URL(url) if isinstance(url, str) else url
    return str(parsed.with_query(None).with_fragment(None).with_user(None))
