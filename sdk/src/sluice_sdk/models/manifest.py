"""The connector manifest and its parts (protocol §3.2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from sluice_sdk.models._base import WireModel

SyncMode = Literal["full", "incremental", "realtime"]
"""A sync type; called ``sync_mode`` in requests to connectors and ``sync_type`` elsewhere."""

ActionMode = Literal["read", "write"]

SOURCE_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
"""Slug of a source type (protocol §1.2). The manager checks it on registration (400, §4.1)."""

JsonSchema = dict[str, Any]


class ActionDefinition(WireModel):
    name: str = Field(min_length=1)
    description: str = ""
    input_schema: JsonSchema
    mode: ActionMode = "write"
    required_scopes: list[str] | None = None
    source_types: list[str] = Field(default_factory=list)
    admin_only: bool = False
    hidden: bool = False


class SearchOperator(WireModel):
    """Stored verbatim and meaningless to Sluice, so its other members are kept too."""

    model_config = ConfigDict(extra="allow")

    operator: str
    attribute_key: str
    value_type: str = "text"


class ConnectorManifest(WireModel):
    """Sent to ``POST /sdk/register`` and served by ``GET /manifest``.

    ``connector_id``, ``connector_url`` and ``source_types`` are plain strings here on purpose: the
    manager answers 400 (not 422) for their content (§4.1 steps 2-3).
    """

    name: str
    display_name: str = ""
    version: str
    sync_modes: list[SyncMode]
    connector_id: str
    connector_url: str
    source_types: list[str] = Field(default_factory=list)
    description: str | None = None
    actions: list[ActionDefinition] = Field(default_factory=list)
    search_operators: list[SearchOperator] = Field(default_factory=list)
    read_only: bool = False
    extra_schema: JsonSchema | None = None
    attributes_schema: JsonSchema | None = None
    mcp_enabled: bool = False
    config_schema: JsonSchema | None = None
    credentials_schema: JsonSchema | None = None
    full_sync_enumerates_all: bool = False
    """Sluice addition: every full run emits every existing document, so a completed full run
    may prune what it did not emit (§10.7). Omni SDKs never send it: their runs are not pruned."""

    @model_validator(mode="after")
    def _default_display_name(self) -> ConnectorManifest:
        if not self.display_name:
            self.display_name = self.name
        return self

    def action(self, name: str) -> ActionDefinition | None:
        return next((a for a in self.actions if a.name == name), None)
