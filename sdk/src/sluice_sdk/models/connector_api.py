"""Bodies of the endpoints every connector serves (protocol §3.3-§3.6)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool

from sluice_sdk.models._base import WireModel
from sluice_sdk.models._time import Timestamp
from sluice_sdk.models.manifest import SyncMode
from sluice_sdk.models.sources import CredentialObject, SourceObject


class SyncRequest(WireModel):
    """``POST /sync`` (§3.3). A null ``checkpoint`` and an absent one mean the same (§7.2)."""

    sync_run_id: str
    source_id: str
    sync_mode: SyncMode
    last_sync_at: Timestamp | None = None
    checkpoint: Any = None
    is_resume: bool = False

    def to_wire(self) -> dict[str, Any]:
        """The JSON object to send: null members and a false ``is_resume`` are omitted."""
        body: dict[str, Any] = {
            "sync_run_id": self.sync_run_id,
            "source_id": self.source_id,
            "sync_mode": self.sync_mode,
        }
        if self.last_sync_at is not None:
            body["last_sync_at"] = self.model_dump(mode="json", include={"last_sync_at"})[
                "last_sync_at"
            ]
        if self.checkpoint is not None:
            body["checkpoint"] = self.checkpoint
        if self.is_resume:
            body["is_resume"] = True
        return body


class SyncResponse(WireModel):
    """Reply to ``POST /sync``; accepted when 2xx with a string ``status`` (§3.3)."""

    status: str
    message: str | None = None


class RunStatusResponse(WireModel):
    """Reply to ``GET /sync/{id}``; anything but a JSON bool means the run is lost (§8.2)."""

    running: StrictBool


class CancelRequest(WireModel):
    sync_run_id: str


class ActionRequest(WireModel):
    """``POST /action`` (§3.6): ``credentials`` is the whole Credential object (§11.31)."""

    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    credentials: CredentialObject
    source: SourceObject
    actor_email: str | None = None
    # Sluice addition: the descriptor document of a declarative source, whose operation the action
    # runs (docs/descriptor.md); omitted for other sources.
    descriptor: dict[str, Any] | None = None


class ActionResponse(WireModel):
    status: Literal["success", "error"]
    result: Any = None
    error: str | None = None


class HealthResponse(WireModel):
    status: str = "healthy"
    service: str | None = None


class StatusResponse(WireModel):
    """The acknowledgement ``{"status": "ok"}`` (§1.3) and connector replies like ``cancelled``."""

    status: str = "ok"
