"""Bodies of the manager's ``/sdk/...`` endpoints other than events (protocol §4.4-§4.10)."""

from __future__ import annotations

from pydantic import Field

from sluice_sdk.models._base import WireModel
from sluice_sdk.models.manifest import SyncMode


class ContentRequest(WireModel):
    """``POST /sdk/content`` (§4.4); ``content_type`` is accepted and ignored."""

    sync_run_id: str = Field(min_length=1)
    content: str
    content_type: str | None = None


class ContentResponse(WireModel):
    content_id: str


class ExtractTextResponse(WireModel):
    text: str


class CountRequest(WireModel):
    """``/scanned`` and ``/updated`` (§4.6); an empty body means a count of 1."""

    count: int = Field(default=1, ge=0, le=1_000_000)


class FailRequest(WireModel):
    error: str


class SyncCreateRequest(WireModel):
    source_id: str
    sync_type: SyncMode


class SyncCreateResponse(WireModel):
    sync_run_id: str


class SyncCancelRequest(WireModel):
    sync_run_id: str


class SyncCancelResponse(WireModel):
    success: bool = True


class WebhookNotifyRequest(WireModel):
    source_id: str
    event_type: str | None = None


class WebhookNotifyResponse(WireModel):
    sync_run_id: str


class ErrorResponse(WireModel):
    """The manager's error envelope (§1.3); clients route on the status code, not on this text."""

    error: str
