"""Running one action of a source (protocol §3.6, §6.7; docs/descriptor.md "Actions").

Checks in the order the admin API documents them: the source is live, a connector serving its
type is online, the action applies (for a declarative source: the pinned descriptor has the
operation and the parameters fit it), a write is not aimed at a read-only source, the source has a
credential. Then ``POST /action`` goes to the connector, and its answer comes back unchanged for
the caller to relay (the admin API) or to read (the MCP tools).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from sluice_descriptor import ParamError, validated_params
from sluice_manager.actions.errors import ActionRefused, ConnectorOffline, NoCredential
from sluice_manager.actions.offered import applies_to, is_read_only, manifest_of
from sluice_manager.catalog.errors import problem_json
from sluice_manager.connector_client import ConnectorTransportError
from sluice_manager.registry.repository import resolve_connector
from sluice_manager.services import Services
from sluice_manager.sources.errors import SourceNotFound
from sluice_manager.sources.pinning import pinned_of
from sluice_manager.sources.repository import (
    SourceRecord,
    get_credential_object,
    get_source,
    source_object,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ActionReply:
    """The connector's answer as it sent it: status, body and Content-Type."""

    status: int
    body: bytes
    content_type: str


async def live_source(services: Services, source_id: str) -> SourceRecord:
    """The source, unless it does not exist or is deleted (SourceNotFound)."""
    source = await get_source(services.pool, source_id)
    if source is None or source.is_deleted:
        raise SourceNotFound(source_id)
    return source


async def run_action(
    services: Services,
    source_id: str,
    action: str,
    params: Mapping[str, Any],
    *,
    actor_email: str | None = None,
) -> ActionReply:
    """Run ``action`` of the source with ``params``; ``actor_email`` names the person it runs for.

    Raises SourceNotFound, ConnectorOffline, UnusableManifest, ActionRefused, NoCredential and
    ConnectorTransportError; an answer of the connector, error or not, is returned.
    """
    pool = services.pool
    source = await live_source(services, source_id)
    connector = await resolve_connector(
        pool, source.source_type, services.clock.now(), services.settings.registry_ttl_seconds
    )
    if connector is None:
        raise ConnectorOffline(source.source_type)
    manifest = manifest_of(connector.manifest, connector.connector_id)
    config = source.config or {}
    request: dict[str, Any] = {"action": action}
    pinned = await pinned_of(pool, source)
    if pinned is not None:
        operation = pinned.descriptor.operation(action)
        if operation is None:
            raise ActionRefused(
                f"descriptor {pinned.slug} {pinned.version} has no operation {action!r}"
            )
        if not operation.is_read and is_read_only(manifest, config):
            raise ActionRefused(f"operation {action!r} writes and the source is read-only")
        try:
            request["params"] = validated_params(operation, params)
        except ParamError as exc:
            raise ActionRefused(
                f"parameters do not match operation {operation.operation_id!r}",
                [problem_json(p) for p in exc.problems],
            ) from exc
    else:
        definition = manifest.action(action)
        if definition is None:
            raise ActionRefused(f"connector has no action {action!r}")
        if not applies_to(definition, source.source_type):
            raise ActionRefused(f"action {action!r} does not apply to {source.source_type} sources")
        if definition.mode == "write" and is_read_only(manifest, config):
            raise ActionRefused(f"action {action!r} writes and the source is read-only")
        # Config keys absent from params are copied in (§3.6); params win.
        request["params"] = {**config, **params}
    credential = await get_credential_object(pool, source_id, services.secrets)
    if credential is None:
        raise NoCredential(source_id)
    request["credentials"] = credential
    request["source"] = source_object(source)
    # Absent members are left out, never null: the Omni TypeScript SDK's schema refuses null for
    # its optional members (issue 19 item 14).
    if actor_email is not None:
        request["actor_email"] = actor_email
    if pinned is not None:
        request["descriptor"] = pinned.document
    try:
        status, body, content_type = await services.connectors.action(
            connector.connector_url, request
        )
    except ConnectorTransportError:
        log.warning("action_unreachable", source_id=source_id, action=action)
        raise
    log.info("action_relayed", source_id=source_id, action=action, http_status=status)
    return ActionReply(status, body, content_type)
