"""The connector's active runs, keyed by (source, slot class) (protocol §3.7 items 2-3, §6.3)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

import structlog

from sluice_sdk.control import RunControl
from sluice_sdk.errors import SdkError
from sluice_sdk.models import SyncMode, SyncRequest

SlotClass = Literal["scheduled", "realtime"]
StartResult = Literal["started", "already_running"]
Launch = Callable[[SyncRequest, RunControl], Coroutine[Any, Any, Any]]

log = structlog.get_logger("sluice_sdk.runs")


def slot_of(sync_mode: SyncMode) -> SlotClass:
    return "realtime" if sync_mode == "realtime" else "scheduled"


class SlotBusy(SdkError):
    def __init__(self, source_id: str, slot: SlotClass, active_run_id: str) -> None:
        self.source_id = source_id
        self.slot = slot
        self.active_run_id = active_run_id
        super().__init__(f"source {source_id} already runs {active_run_id} in its {slot} slot")


class NotAccepting(SdkError):
    """The connector is shutting down and takes no new runs."""


@dataclass(slots=True)
class ActiveRun:
    request: SyncRequest
    control: RunControl
    task: asyncio.Task[Any]


class ActiveRuns:
    """Owns every run task. A cancelled run frees its slot at once and winds down meanwhile."""

    def __init__(self, launch: Launch) -> None:
        self._launch = launch
        self._slots: dict[tuple[str, SlotClass], ActiveRun] = {}
        self._by_id: dict[str, ActiveRun] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.accepting = True

    def start(self, request: SyncRequest) -> StartResult:
        if not self.accepting:
            raise NotAccepting("the connector is shutting down")
        key = (request.source_id, slot_of(request.sync_mode))
        current = self._slots.get(key)
        if current is not None:
            if current.request.sync_run_id == request.sync_run_id:
                return "already_running"
            raise SlotBusy(key[0], key[1], current.request.sync_run_id)
        control = RunControl()
        task = asyncio.create_task(
            self._launch(request, control), name=f"run-{request.sync_run_id}"
        )
        run = ActiveRun(request, control, task)
        self._slots[key] = run
        self._by_id[request.sync_run_id] = run
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._finished(key, run, t))
        return "started"

    def is_running(self, sync_run_id: str) -> bool:
        return sync_run_id in self._by_id

    def cancel(self, sync_run_id: str) -> bool:
        run = self._by_id.get(sync_run_id)
        if run is None:
            return False
        run.control.cancel()
        self._forget(run)
        return True

    def active(self) -> list[SyncRequest]:
        return [run.request for run in self._by_id.values()]

    @property
    def task_count(self) -> int:
        return len(self._tasks)

    async def shutdown(self, grace_seconds: float) -> None:
        """Stop taking runs, cancel every task (they flush what they can) and wait for them."""
        self.accepting = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
            if pending:
                log.warning("runs_did_not_stop", count=len(pending))

    def _forget(self, run: ActiveRun) -> None:
        key = (run.request.source_id, slot_of(run.request.sync_mode))
        if self._slots.get(key) is run:
            del self._slots[key]
        if self._by_id.get(run.request.sync_run_id) is run:
            del self._by_id[run.request.sync_run_id]

    def _finished(
        self, key: tuple[str, SlotClass], run: ActiveRun, task: asyncio.Task[Any]
    ) -> None:
        self._forget(run)
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "run_task_crashed",
                source_id=key[0],
                sync_run_id=run.request.sync_run_id,
                error=repr(task.exception()),
            )
