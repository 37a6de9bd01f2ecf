"""The sources whose actions can run right now, with the actions each offers (the MCP tool list).

One query reads every active source whose type an online connector serves; manifests and
descriptor documents are parsed once per version and kept (``ParsedCache``), since the list is
read again on every ``tools/list`` and by the periodic change check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from pydantic import ValidationError

from sluice_descriptor import Descriptor
from sluice_manager.actions.errors import UnusableManifest
from sluice_manager.actions.offered import (
    is_read_only,
    manifest_actions,
    manifest_of,
    operation_action,
)
from sluice_sdk.models import ActionDefinition, ConnectorManifest
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

_CACHE_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class OfferingSource:
    """An active source served by an online connector, and the actions it offers."""

    source_id: str
    name: str
    source_type: str
    connector_id: str
    actions: tuple[ActionDefinition, ...]
    # Writes are refused: the connector is read-only or the source is configured so.
    read_only: bool
    # The pinned descriptor of a declarative source (its operations are ``actions``).
    descriptor: Descriptor | None = None


class ParsedCache:
    """Parsed manifests by connector and digest, descriptors by version and digest."""

    def __init__(self) -> None:
        self._manifests: dict[tuple[str, str], ConnectorManifest] = {}
        self._descriptors: dict[tuple[str, str, str], Descriptor] = {}

    def manifest(
        self, connector_id: str, digest: str | None, raw: dict[str, Any]
    ) -> ConnectorManifest:
        if digest is None:  # a row written before digests were stored
            return manifest_of(raw, connector_id)
        key = (connector_id, digest)
        found = self._manifests.get(key)
        if found is None:
            if len(self._manifests) >= _CACHE_LIMIT:
                self._manifests.clear()
            found = self._manifests[key] = manifest_of(raw, connector_id)
        return found

    def descriptor(self, slug: str, version: str, digest: str, raw: dict[str, Any]) -> Descriptor:
        key = (slug, version, digest)
        found = self._descriptors.get(key)
        if found is None:
            if len(self._descriptors) >= _CACHE_LIMIT:
                self._descriptors.clear()
            found = self._descriptors[key] = Descriptor.model_validate(raw)
        return found


def _offering(row: asyncpg.Record, cache: ParsedCache) -> OfferingSource | None:
    try:
        manifest = cache.manifest(row["connector_id"], row["manifest_sha256"], row["manifest"])
    except UnusableManifest:
        log.warning("offering_manifest_unusable", connector_id=row["connector_id"])
        return None
    config = row["config"] or {}
    descriptor = None
    if row["document"] is not None:
        try:
            descriptor = cache.descriptor(
                row["descriptor_slug"],
                row["descriptor_version"],
                row["descriptor_digest"],
                row["document"],
            )
        except ValidationError:
            log.warning(
                "offering_descriptor_invalid",
                source_id=row["id"],
                slug=row["descriptor_slug"],
                version=row["descriptor_version"],
            )
            return None
        actions = tuple(operation_action(op) for op in descriptor.operations)
    else:
        actions = tuple(manifest_actions(manifest, row["source_type"]))
    return OfferingSource(
        source_id=row["id"],
        name=row["name"],
        source_type=row["source_type"],
        connector_id=row["connector_id"],
        actions=actions,
        read_only=is_read_only(manifest, config),
        descriptor=descriptor,
    )


async def offering_sources(
    pool: asyncpg.Pool, now: datetime, ttl_seconds: float, cache: ParsedCache
) -> list[OfferingSource]:
    """Every active source an online connector serves at ``now``, oldest first."""
    rows = await pool.fetch(QUERIES.select_offering_sources, now, ttl_seconds)
    found = (_offering(row, cache) for row in rows)
    return [source for source in found if source is not None]
