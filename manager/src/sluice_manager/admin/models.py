"""Admin API bodies (the admin API's shape is Sluice's own; §6.7 fixes only run behaviour)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sluice_manager.runs.lifecycle import RunRecord
from sluice_sdk.models import SyncMode, Timestamp

RunStatus = Literal["running", "completed", "failed", "cancelled"]
RUN_STATUSES: tuple[str, ...] = ("running", "completed", "failed", "cancelled")
QUEUE_STATUSES: tuple[str, ...] = ("pending", "processing", "completed", "dead_letter")
Seq = Annotated[int, Field(ge=1, le=2**63 - 1)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ConnectorView(_Body):
    connector_id: str
    connector_url: str
    online: bool
    source_types: list[str]
    sync_modes: list[str]
    first_seen_at: Timestamp
    last_heartbeat_at: Timestamp
    manifest: dict[str, Any]


class RunView(_Body):
    id: str
    source_id: str
    sync_type: SyncMode
    trigger_type: str
    status: RunStatus
    created_at: Timestamp
    completed_at: Timestamp | None = None
    last_activity_at: Timestamp | None = None
    dispatched_at: Timestamp | None = None
    checkpoint: Any = None
    checkpoint_saved: bool
    documents_scanned: int
    documents_updated: int
    documents_emitted: int
    documents_processed: int
    error_message: str | None = None
    resume_attempts: int
    offline_observations: int
    start_seq: int

    @classmethod
    def of(cls, run: RunRecord) -> RunView:
        return cls.model_validate(
            {name: getattr(run, name) for name in cls.model_fields}, from_attributes=False
        )


class TriggerBody(_Body):
    sync_mode: Literal["full", "incremental"] = "incremental"


class TriggerResponse(_Body):
    sync_run_id: str
    status: Literal["started"] = "started"


class CancelResponse(_Body):
    sync_run_id: str
    status: Literal["cancelled"] = "cancelled"


class ActionBody(_Body):
    params: dict[str, Any] = Field(default_factory=dict)
    actor_email: str | None = None


class QueueSourceCounts(_Body):
    source_id: str
    counts: dict[str, int]


class QueueStats(_Body):
    counts: dict[str, int]
    by_source: list[QueueSourceCounts]
    oldest_pending_age_seconds: float | None


class DeadLetter(_Body):
    seq: int
    source_id: str
    sync_run_id: str
    event_type: str
    entity_kind: str
    entity_key: str
    payload: Any
    attempts: int
    last_error: str | None = None
    created_at: Timestamp
    finished_at: Timestamp | None = None


class RequeueBody(_Body):
    """Exactly one selector: explicit seqs, every dead letter of a source, or all of them."""

    seqs: list[Seq] | None = Field(default=None, max_length=100_000)
    source_id: str | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_selector(self) -> RequeueBody:
        given = (self.seqs is not None) + (self.source_id is not None) + bool(self.all)
        if given != 1:
            raise ValueError("give exactly one of seqs, source_id or all: true")
        return self


class RequeueResponse(_Body):
    requeued: int
