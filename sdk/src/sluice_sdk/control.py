"""The stop switch of one run, shared by the server (which cancels) and the run's context."""

from __future__ import annotations

import asyncio
from typing import Literal

from sluice_sdk.errors import RunNotRunning, SyncCancelled, SyncStopped

StopReason = Literal["cancelled", "not_running"]


class RunControl:
    def __init__(self) -> None:
        self.reason: StopReason | None = None
        self.stopped = asyncio.Event()

    @property
    def cancelled(self) -> bool:
        return self.reason == "cancelled"

    def cancel(self) -> None:
        """``POST /cancel`` (§3.5): the sync stops at its next emit or interruptible sleep."""
        self._stop("cancelled")

    def manager_refused(self) -> None:
        """The manager refused the run's events: it is no longer running (§3.7 item 7)."""
        self._stop("not_running")

    def _stop(self, reason: StopReason) -> None:
        if self.reason is None:
            self.reason = reason
        self.stopped.set()

    def raise_if_stopped(self) -> None:
        exc = self.stop_exception()
        if exc is not None:
            raise exc

    def stop_exception(self) -> SyncStopped | None:
        if self.reason == "cancelled":
            return SyncCancelled("the run was cancelled")
        if self.reason == "not_running":
            return RunNotRunning("the manager reports the run is no longer running")
        return None
