"""The fake manager's records: sources, runs and injected failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sluice_sdk.models import SyncMode

RunStatus = Literal["running", "completed", "failed", "cancelled"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class FakeSource:
    id: str
    source_type: str
    config: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict)
    checkpoint: Any = None
    connector_state: Any = None
    is_active: bool = True
    is_deleted: bool = False
    created_at: datetime = field(default_factory=_now)

    def as_source_object(self) -> dict[str, Any]:
        stamp = self.created_at.isoformat().replace("+00:00", "Z")
        return {
            "id": self.id,
            "name": self.id,
            "source_type": self.source_type,
            "integration_type": "connector",
            "scope": "org",
            "config": self.config,
            "is_active": self.is_active,
            "is_deleted": self.is_deleted,
            "user_filter_mode": "all",
            "user_whitelist": None,
            "user_blacklist": None,
            "connector_state": self.connector_state,
            "checkpoint": self.checkpoint,
            "sync_interval_seconds": None,
            "sync_cron": None,
            "created_at": stamp,
            "updated_at": stamp,
            "created_by": "test",
        }


@dataclass
class FakeRun:
    id: str
    source_id: str
    sync_mode: SyncMode
    status: RunStatus = "running"
    checkpoint: Any = None
    checkpoint_saved: bool = False
    checkpoints: list[Any] = field(default_factory=list)
    error: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    batches: int = 0
    scanned: int = 0
    updated: int = 0
    heartbeats: int = 0
    checkpoint_event_counts: list[int] = field(default_factory=list)
    """For each saved checkpoint, how many events the run had delivered when it arrived."""


@dataclass
class Injection:
    method: str | None
    path_prefix: str
    status: int
    times: int
    retry_after: float | None
    error: str
