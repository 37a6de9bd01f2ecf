"""The registration loop (protocol §3.7 item 1, §4.1, §8.1).

The first ``POST /sdk/register`` goes out at once, then one every interval (30 s). After a failure
the loop retries sooner, with jittered backoff capped by the interval, and logs each failure.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import structlog

from sluice_sdk.client import ManagerClient
from sluice_sdk.errors import ManagerError, ManagerHttpError
from sluice_sdk.models import ConnectorManifest
from sluice_sdk.retry import RetryPolicy
from sluice_sdk.tasks import cancel_and_wait

REGISTRATION_INTERVAL_SECONDS = 30.0
_ONE_ATTEMPT = RetryPolicy(attempts=1)  # the loop does its own backoff

log = structlog.get_logger("sluice_sdk.registration")


def failure_delay(failures: int, interval: float, base: float = 1.0) -> float:
    """Delay before the next attempt after ``failures`` consecutive failures (never > interval)."""
    ceiling = min(interval, base * 2 ** max(0, failures - 1))
    return random.uniform(ceiling / 2, ceiling)  # jitter, not cryptography


class RegistrationLoop:
    def __init__(
        self,
        client: ManagerClient,
        manifest: Callable[[], ConnectorManifest],
        *,
        interval: float = REGISTRATION_INTERVAL_SECONDS,
        retry_base: float = 1.0,
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """``prepare`` runs before each registration (MCP tool discovery, ``sluice_sdk.mcp``)."""
        self._client = client
        self._manifest = manifest
        self._prepare = prepare
        self.interval = interval
        self.retry_base = retry_base
        self.registered = asyncio.Event()
        self.successes = 0
        self.failures = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sdk-registration")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def register_once(self) -> bool:
        if self._prepare is not None:
            await self._prepare()
        manifest = self._manifest()
        try:
            await self._client.register(manifest, retry=_ONE_ATTEMPT)
        except ManagerError as exc:
            self.failures += 1
            log.warning(
                "registration_failed",
                connector_id=manifest.connector_id,
                status=exc.status if isinstance(exc, ManagerHttpError) else None,
                error=str(exc),
                consecutive_failures=self.failures,
            )
            return False
        if self.successes == 0 or self.failures:
            log.info("connector_registered", connector_id=manifest.connector_id)
        self.successes += 1
        self.failures = 0
        self.registered.set()
        return True

    async def _run(self) -> None:
        while True:
            if await self.register_once():
                delay = self.interval
            else:
                delay = failure_delay(self.failures, self.interval, self.retry_base)
            await asyncio.sleep(delay)
