"""Registry reads and writes (protocol §4.1, §8.1). ``conn`` is an asyncpg Connection or Pool."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
import structlog

from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

Executor: TypeAlias = "asyncpg.Connection | asyncpg.Pool"

# Conflicts already logged, so each distinct set of rivals is reported once per process.
_LOGGED_CONFLICTS: set[tuple[str, tuple[str, ...]]] = set()


@dataclass(frozen=True, slots=True)
class ConnectorRecord:
    connector_id: str
    connector_url: str
    manifest: dict[str, Any]
    source_types: tuple[str, ...]
    sync_modes: tuple[str, ...]
    first_seen_at: datetime
    last_heartbeat_at: datetime

    def is_online(self, now: datetime, ttl_seconds: float) -> bool:
        return now - self.last_heartbeat_at < timedelta(seconds=ttl_seconds)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> ConnectorRecord:
        return cls(
            connector_id=row["connector_id"],
            connector_url=row["connector_url"],
            manifest=row["manifest"],
            source_types=tuple(row["source_types"]),
            sync_modes=tuple(row["sync_modes"]),
            first_seen_at=row["first_seen_at"],
            last_heartbeat_at=row["last_heartbeat_at"],
        )


async def resolve_connector(
    conn: Executor, source_type: str, now: datetime, ttl_seconds: float
) -> ConnectorRecord | None:
    """The online connector serving ``source_type``: smallest connector_id in byte order."""
    rows = await conn.fetch(
        QUERIES.select_online_connectors_for_type, source_type, now, ttl_seconds
    )
    if not rows:
        return None
    if len(rows) > 1:
        _log_conflict(source_type, [r["connector_id"] for r in rows])
    return ConnectorRecord.from_row(rows[0])


async def latest_manifest_for_type(conn: Executor, source_type: str) -> ConnectorRecord | None:
    """The most recently registered connector for a type, online or not (config validation)."""
    row = await conn.fetchrow(QUERIES.select_latest_connector_for_type, source_type)
    return None if row is None else ConnectorRecord.from_row(row)


async def list_connectors(conn: Executor) -> list[ConnectorRecord]:
    return [ConnectorRecord.from_row(r) for r in await conn.fetch(QUERIES.select_connectors)]


async def get_connector(conn: Executor, connector_id: str) -> ConnectorRecord | None:
    row = await conn.fetchrow(QUERIES.select_connector, connector_id)
    return None if row is None else ConnectorRecord.from_row(row)


async def delete_offline(
    conn: Executor, connector_id: str, now: datetime, ttl_seconds: float
) -> bool:
    """Remove the connector if it is offline; False when it is online or unknown."""
    gone = await conn.fetchval(QUERIES.delete_offline_connector, connector_id, now, ttl_seconds)
    return gone is not None


async def touch(
    conn: Executor, *, connector_id: str, manifest_sha256: str, now: datetime, ttl_seconds: float
) -> bool:
    """Refresh an online connector whose stored manifest digest matches; False otherwise."""
    matched = await conn.fetchval(
        QUERIES.touch_connector, connector_id, manifest_sha256, now, ttl_seconds
    )
    return matched is not None


@dataclass(frozen=True, slots=True)
class Registration:
    """What one validated ``POST /sdk/register`` writes to its row."""

    connector_id: str
    connector_url: str
    manifest: dict[str, Any]
    source_types: Sequence[str]
    sync_modes: Sequence[str]
    manifest_sha256: str

    def columns(self) -> tuple[Any, ...]:
        """$1 to $6 of heartbeat_connector and upsert_connector, in their order."""
        return (
            self.connector_id,
            self.connector_url,
            self.manifest,
            list(self.source_types),
            list(self.sync_modes),
            self.manifest_sha256,
        )


async def heartbeat(
    conn: Executor, registration: Registration, now: datetime, ttl_seconds: float
) -> bool:
    """Refresh a known, online connector at the same URL; False when a full registration is due."""
    matched = await conn.fetchval(
        QUERIES.heartbeat_connector, *registration.columns(), now, ttl_seconds
    )
    return matched is not None


async def upsert(conn: Executor, registration: Registration, now: datetime) -> None:
    """Insert or replace the row; keeps first_seen_at. The last registration wins."""
    await conn.execute(QUERIES.upsert_connector, *registration.columns(), now)


def _log_conflict(source_type: str, connector_ids: list[str]) -> None:
    key = (source_type, tuple(connector_ids))
    if key in _LOGGED_CONFLICTS:
        return
    _LOGGED_CONFLICTS.add(key)
    log.warning(
        "connector_conflict",
        source_type=source_type,
        connector_ids=connector_ids,
        chosen=connector_ids[0],
    )
