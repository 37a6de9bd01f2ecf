"""SyncContext: everything a connector's ``sync`` needs, and the run's obligations (§3.7, §7.3).

Events are serialised on emit and buffered; a batch goes out when the buffer is full, when its
oldest event reaches the age limit (a timer task, so an idle connector never sits on events), and
before every checkpoint and completion. Events leave the buffer once the manager acknowledged them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar

import structlog
from pydantic import BaseModel

from sluice_sdk.buffer import EventBuffer, FlushPolicy
from sluice_sdk.client import ManagerClient
from sluice_sdk.content import ContentStore
from sluice_sdk.control import RunControl
from sluice_sdk.errors import ManagerHttpError, RunNotRunning, SdkError, SyncStopped
from sluice_sdk.models import (
    PRIVATE,
    DocumentCreatedEvent,
    DocumentDeletedEvent,
    DocumentMetadata,
    DocumentPermissions,
    DocumentUpdatedEvent,
    Event,
    GroupMembershipSyncEvent,
    SyncConfig,
    SyncMode,
    SyncRequest,
    dump_event,
)
from sluice_sdk.tasks import cancel_and_wait

ConfigT = TypeVar("ConfigT", bound=BaseModel)
CredentialsT = TypeVar("CredentialsT", bound=BaseModel)
Finished = Literal["completed", "failed"]

_UNSET: Any = object()
_MAX_ERROR_CHARS = 4096  # the manager keeps this much of a failure message (§4.6)


class RunFinishedError(SdkError):
    """``complete`` or ``fail`` was called on a run that already ended."""


def _metadata(value: DocumentMetadata | dict[str, Any] | None) -> DocumentMetadata:
    if value is None:
        return DocumentMetadata()
    if isinstance(value, DocumentMetadata):
        return value
    return DocumentMetadata.model_validate(value)


def _permissions(
    value: DocumentPermissions | dict[str, Any] | None,
) -> DocumentPermissions | None:
    if value is None or isinstance(value, DocumentPermissions):
        return value
    return DocumentPermissions.model_validate(value)


class SyncContext(Generic[ConfigT, CredentialsT]):
    def __init__(
        self,
        client: ManagerClient,
        request: SyncRequest,
        sync_config: SyncConfig,
        config: ConfigT,
        credentials: CredentialsT,
        *,
        control: RunControl | None = None,
        flush_policy: FlushPolicy,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.request = request
        self.sync_config = sync_config
        self.config = config
        self.credentials = credentials
        # §4.7: the request's, not sync-config's. A fresh full run gets none, so that it lists
        # everything and may be pruned (§10.7); resumes and other runs continue from theirs.
        fresh_full = request.sync_mode == "full" and not request.is_resume
        self.checkpoint: Any = None if fresh_full else request.checkpoint
        self.connector_state: Any = sync_config.connector_state
        self.content = ContentStore(client, request.sync_run_id)
        self.log = structlog.get_logger("sdk.sync").bind(
            source_id=request.source_id, sync_run_id=request.sync_run_id
        )
        self.finished: Finished | None = None
        self._control = control or RunControl()
        self._buffer = EventBuffer(flush_policy)
        self._clock = clock
        self._flush_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None
        self._scanned = 0
        self._updated = 0
        self.events_emitted = 0

    # --- what the run is ---------------------------------------------------------------------

    @property
    def sync_run_id(self) -> str:
        return self.request.sync_run_id

    @property
    def source_id(self) -> str:
        return self.request.source_id

    @property
    def sync_mode(self) -> SyncMode:
        return self.request.sync_mode

    @property
    def last_sync_at(self) -> datetime | None:
        return self.request.last_sync_at

    @property
    def is_resume(self) -> bool:
        return self.request.is_resume

    @property
    def source_type(self) -> str:
        return self.sync_config.source_type

    @property
    def cancelled(self) -> bool:
        """True once the manager cancelled the run; the next emit raises ``SyncCancelled``."""
        return self._control.cancelled

    @property
    def stopped(self) -> bool:
        """Cancelled, or refused by the manager because the run no longer runs."""
        return self._control.reason is not None

    @property
    def control(self) -> RunControl:
        return self._control

    @property
    def pending_events(self) -> int:
        return len(self._buffer)

    async def sleep(self, seconds: float) -> None:
        """Sleep, but raise ``SyncStopped`` at once when the run is cancelled meanwhile."""
        self._control.raise_if_stopped()
        try:
            await asyncio.wait_for(self._control.stopped.wait(), seconds)
        except TimeoutError:
            return
        self._control.raise_if_stopped()

    # --- events ------------------------------------------------------------------------------

    async def emit(
        self,
        document_id: str,
        *,
        content_id: str | None = None,
        text: str | None = None,
        metadata: DocumentMetadata | dict[str, Any] | None = None,
        permissions: DocumentPermissions | dict[str, Any] | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """A ``document_created`` event; ``text`` is stored first when no ``content_id`` is given.

        Without ``permissions`` the document is private (no users, no groups).
        """
        self._control.raise_if_stopped()
        event = DocumentCreatedEvent(
            sync_run_id=self.sync_run_id,
            source_id=self.source_id,
            document_id=document_id,
            content_id=await self._content_id(content_id, text),
            metadata=_metadata(metadata),
            permissions=_permissions(permissions) or PRIVATE,
            attributes=attributes,
        )
        await self.emit_event(event)

    async def emit_updated(
        self,
        document_id: str,
        *,
        content_id: str | None = None,
        text: str | None = None,
        metadata: DocumentMetadata | dict[str, Any] | None = None,
        permissions: DocumentPermissions | dict[str, Any] | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """A ``document_updated`` event; absent permissions keep the stored ones (§10.6)."""
        self._control.raise_if_stopped()
        event = DocumentUpdatedEvent(
            sync_run_id=self.sync_run_id,
            source_id=self.source_id,
            document_id=document_id,
            content_id=await self._content_id(content_id, text),
            metadata=_metadata(metadata),
            permissions=_permissions(permissions),
            attributes=attributes,
        )
        await self.emit_event(event)

    async def emit_deleted(self, document_id: str) -> None:
        await self.emit_event(
            DocumentDeletedEvent(
                sync_run_id=self.sync_run_id, source_id=self.source_id, document_id=document_id
            )
        )

    async def emit_group_membership(
        self, group_email: str, member_emails: Sequence[str], group_name: str | None = None
    ) -> None:
        await self.emit_event(
            GroupMembershipSyncEvent(
                sync_run_id=self.sync_run_id,
                source_id=self.source_id,
                group_email=group_email,
                group_name=group_name,
                member_emails=list(member_emails),
            )
        )

    async def emit_event(self, event: Event) -> None:
        """Buffer any event of this run; flush when the buffer is full."""
        self._control.raise_if_stopped()
        if event.sync_run_id != self.sync_run_id or event.source_id != self.source_id:
            raise ValueError("the event belongs to another run or source")
        self._buffer.add(dump_event(event), self._clock())
        self.events_emitted += 1
        self._wake.set()
        if self._buffer.is_full():
            await self.flush()

    async def _content_id(self, content_id: str | None, text: str | None) -> str:
        if content_id is not None:
            return content_id
        if text is None:
            raise ValueError("give either content_id or text")
        return await self.content.save_text(text)

    # --- counters ----------------------------------------------------------------------------

    def increment_scanned(self, count: int = 1) -> None:
        """Counted locally; sent with the next flush, heartbeat or completion."""
        self._scanned += count

    def increment_updated(self, count: int = 1) -> None:
        self._updated += count

    async def _send_counts(self) -> None:
        # Each count is taken before the await, so a heartbeat and a flush running side by side
        # never send it twice; it is given back if the call fails.
        scanned, self._scanned = self._scanned, 0
        try:
            if scanned:
                await self.client.add_scanned(self.sync_run_id, scanned)
        except BaseException:
            self._scanned += scanned
            raise
        updated, self._updated = self._updated, 0
        try:
            if updated:
                await self.client.add_updated(self.sync_run_id, updated)
        except BaseException:
            self._updated += updated
            raise

    # --- flushing ----------------------------------------------------------------------------

    async def flush(self) -> None:
        """Send every buffered event. On failure the buffer is kept and the error raised."""
        async with self._flush_lock:
            while len(self._buffer):
                batch = self._buffer.next_batch()
                try:
                    await self.client.post_event_batch(self.sync_run_id, self.source_id, batch)
                except ManagerHttpError as exc:
                    if exc.status == 400:  # §3.7 item 7: the run is no longer running
                        self._control.manager_refused()
                        self.log.info("sync_refused_by_manager", status=exc.status)
                        raise RunNotRunning(str(exc)) from exc
                    raise
                self._buffer.drop(len(batch))
            await self._send_counts()

    async def _flush_by_age(self) -> None:
        while True:
            due = self._buffer.due_at()
            if due is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            delay = due - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            try:
                await self.flush()
            except SyncStopped:
                return
            except Exception as exc:  # the sync's next flush retries; keep the timer alive
                self.log.warning("events_flush_failed", error=str(exc))
                await asyncio.sleep(max(self._buffer.policy.max_age_seconds, 1.0))

    # --- checkpoint, state, outcome -----------------------------------------------------------

    async def save_checkpoint(self, checkpoint: Any) -> None:
        """Flush every buffered event, then save the checkpoint (§7.3)."""
        self._control.raise_if_stopped()
        await self.flush()
        await self.client.save_checkpoint(self.sync_run_id, checkpoint)
        self.checkpoint = checkpoint

    async def save_state(self, state: Any) -> None:
        """Replace the source's ``connector_state`` (§4.7); not a cursor."""
        await self.client.save_connector_state(self.source_id, state)
        self.connector_state = state

    async def heartbeat(self) -> None:
        await self.client.heartbeat(self.sync_run_id)
        await self._send_counts()

    async def complete(self, checkpoint: Any = _UNSET) -> None:
        """Flush, save ``checkpoint`` if given, then complete the run (§7.3)."""
        self._ensure_open()
        self._control.raise_if_stopped()
        await self.flush()
        if checkpoint is not _UNSET:
            await self.save_checkpoint(checkpoint)
        await self.client.complete(self.sync_run_id)
        self.finished = "completed"
        self.log.info("sync_completed", events=self.events_emitted)

    async def fail(self, error: str | BaseException) -> None:
        """Fail the run; buffered events are dropped and no checkpoint is promoted (§4.6)."""
        self._ensure_open()
        message = error if isinstance(error, str) else str(error) or type(error).__name__
        await self.client.fail(self.sync_run_id, message[:_MAX_ERROR_CHARS])
        self.finished = "failed"
        self.log.info("sync_failed", error=message[:_MAX_ERROR_CHARS])

    def _ensure_open(self) -> None:
        if self.finished is not None:
            raise RunFinishedError(f"the run already {self.finished}")

    # --- lifetime of the flush timer ---------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._timer = asyncio.create_task(self._flush_by_age(), name="sdk-flush-timer")
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._timer is not None:
            timer, self._timer = self._timer, None
            await cancel_and_wait(timer)
