"""Which actions a source offers: the operations of a declarative source's pinned descriptor, else
the applicable actions of its connector's manifest. Pure functions of what was read."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sluice_descriptor import Operation, input_schema
from sluice_manager.actions.errors import UnusableManifest
from sluice_sdk.models import ActionDefinition, ConnectorManifest


def manifest_of(manifest: dict[str, Any], connector_id: str) -> ConnectorManifest:
    """The stored manifest as a model; UnusableManifest when it no longer validates."""
    try:
        return ConnectorManifest.model_validate(manifest)
    except ValidationError as exc:
        raise UnusableManifest(connector_id) from exc


def is_read_only(manifest: ConnectorManifest, config: dict[str, Any]) -> bool:
    """A read-only connector, or a source configured ``read_only``: writes are refused."""
    return manifest.read_only or config.get("read_only") is True


def applies_to(action: ActionDefinition, source_type: str) -> bool:
    return not action.source_types or source_type in action.source_types


def manifest_actions(manifest: ConnectorManifest, source_type: str) -> list[ActionDefinition]:
    """The manifest's actions a source of ``source_type`` offers (hidden ones are not listed)."""
    return [a for a in manifest.actions if not a.hidden and applies_to(a, source_type)]


def operation_action(operation: Operation) -> ActionDefinition:
    """A descriptor operation as an action: its summary, flat parameter schema and mode."""
    return ActionDefinition(
        name=operation.operation_id,
        description=operation.summary,
        input_schema=input_schema(operation),
        mode="read" if operation.is_read else "write",
    )
