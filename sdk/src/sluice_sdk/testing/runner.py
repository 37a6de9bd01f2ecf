"""Run a connector's sync in process against the fake manager, the way the server would."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from sluice_sdk.buffer import DEFAULT_FLUSH_POLICIES, FlushPolicy
from sluice_sdk.client import ManagerClient
from sluice_sdk.connector import Connector
from sluice_sdk.control import RunControl
from sluice_sdk.models import SyncMode, SyncRequest
from sluice_sdk.retry import RetryPolicy
from sluice_sdk.runs import RunOutcome, RunTiming, execute_run
from sluice_sdk.testing.fake_manager import FakeManager
from sluice_sdk.testing.fake_state import FakeRun, FakeSource

FAST_RETRY = RetryPolicy(attempts=5, backoff_base=0.01, backoff_max=0.05, retry_after_max=0.2)
"""Retries that keep their shape but not their waits, for tests."""

SMALL_BATCHES: dict[SyncMode, FlushPolicy] = {
    mode: FlushPolicy(max_events=1, max_age_seconds=0.0) for mode in DEFAULT_FLUSH_POLICIES
}
"""Every event is its own batch, so checkpoints and cancellation land between documents."""


@dataclass
class RunResult:
    run: FakeRun
    outcome: RunOutcome

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def error(self) -> str | None:
        return self.run.error

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.run.events

    @property
    def document_ids(self) -> list[str]:
        """Ids of created or updated documents, in emission order."""
        return [
            e["document_id"]
            for e in self.run.events
            if e["type"] in ("document_created", "document_updated")
        ]

    @property
    def deleted_ids(self) -> list[str]:
        return [e["document_id"] for e in self.run.events if e["type"] == "document_deleted"]

    @property
    def checkpoints(self) -> list[Any]:
        return self.run.checkpoints


class ConnectorHarness:
    """``async with ConnectorHarness(connector) as h: result = await h.sync(h.add_source(...))``."""

    def __init__(
        self,
        connector: Connector[Any, Any],
        *,
        fake: FakeManager | None = None,
        flush_policies: Mapping[SyncMode, FlushPolicy] | None = None,
        heartbeat_interval: float = 30.0,
        cancel_grace: float = 5.0,
        retry: RetryPolicy = FAST_RETRY,
    ) -> None:
        self.connector = connector
        self.fake = fake or FakeManager()
        self.timing = RunTiming(
            heartbeat_interval, cancel_grace, dict(flush_policies or DEFAULT_FLUSH_POLICIES)
        )
        self._retry = retry
        self._owns_fake = fake is None
        self.client: ManagerClient | None = None

    async def __aenter__(self) -> Self:
        if self._owns_fake:
            await self.fake.start()
        self.client = ManagerClient(self.fake.url, self.fake.token, retry=self._retry)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.client is not None:
            await self.client.close()
        if self._owns_fake:
            await self.fake.stop()

    def add_source(
        self,
        *,
        config: dict[str, Any] | None = None,
        credentials: dict[str, Any] | None = None,
        checkpoint: Any = None,
        source_type: str | None = None,
    ) -> FakeSource:
        kind = source_type or (self.connector.source_types or [self.connector.name])[0]
        return self.fake.add_source(
            kind, config=config, credentials=credentials, checkpoint=checkpoint
        )

    async def sync(
        self,
        source: FakeSource,
        sync_mode: SyncMode = "full",
        *,
        checkpoint: Any = None,
        is_resume: bool = False,
        last_sync_at: Any = None,
        cancel_after_batches: int | None = None,
        timing: RunTiming | None = None,
    ) -> RunResult:
        """One run, dispatch to end; ``cancel_after_batches`` cancels it as ``/cancel`` would."""
        if self.client is None:
            raise RuntimeError("use the harness as an async context manager")
        run = self.fake.create_run(source.id, sync_mode)
        control = RunControl()
        if cancel_after_batches is not None:

            def cancel() -> None:
                self.fake.cancel_run(run.id)
                control.cancel()

            self.fake.on_batches(run.id, cancel_after_batches, cancel)
        request = SyncRequest(
            sync_run_id=run.id,
            source_id=source.id,
            sync_mode=sync_mode,
            checkpoint=checkpoint,
            is_resume=is_resume,
            last_sync_at=last_sync_at,
        )
        outcome = await execute_run(
            self.connector, self.client, request, control=control, timing=timing or self.timing
        )
        return RunResult(run, outcome)
