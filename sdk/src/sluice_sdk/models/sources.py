"""Source, Credential and SyncConfig objects (protocol §4.0, §4.7)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sluice_sdk.models._base import WireModel
from sluice_sdk.models._time import Timestamp

UserFilterMode = Literal["all", "whitelist", "blacklist"]


class SourceObject(WireModel):
    id: str
    name: str
    source_type: str
    integration_type: str = "connector"
    scope: str = "org"
    config: dict[str, Any] = Field(default_factory=dict)
    is_active: bool = True
    is_deleted: bool = False
    user_filter_mode: UserFilterMode = "all"
    user_whitelist: list[str] | None = None
    user_blacklist: list[str] | None = None
    connector_state: Any = None
    checkpoint: Any = None
    sync_interval_seconds: int | None = None
    sync_cron: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    created_by: str | None = None


class CredentialObject(WireModel):
    id: str
    source_id: str
    user_id: str | None = None
    provider: str
    auth_type: str
    principal_email: str | None = None
    credentials: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    expires_at: Timestamp | None = None
    last_validated_at: Timestamp | None = None
    created_at: Timestamp
    updated_at: Timestamp


class SyncConfig(WireModel):
    """``GET /sdk/source/{id}/sync-config``; a starting run uses the SyncRequest's checkpoint."""

    config: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, Any] = Field(default_factory=dict)
    connector_state: Any = None
    checkpoint: Any = None
    source_type: str
    user_filter_mode: UserFilterMode = "all"
    user_whitelist: list[str] | None = None
    user_blacklist: list[str] | None = None
    # Sluice addition: the descriptor document a declarative source is pinned to
    # (docs/descriptor.md); omitted for other sources. Omni SDKs ignore the member.
    descriptor: dict[str, Any] | None = None
