"""Reading sources and credentials, and shaping them into the protocol's §4.0 / §4.7 objects."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, TypeAlias

import asyncpg

from manager.sources.crypto import SecretBox
from sql.query_loader import QUERIES

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One ``sources`` row, every column."""

    id: str
    name: str
    source_type: str
    config: dict[str, Any]
    is_active: bool
    is_deleted: bool
    deleted_at: datetime | None
    sync_interval_seconds: int | None
    sync_cron: str | None
    checkpoint: Any
    connector_state: Any
    user_filter_mode: str
    user_whitelist: list[str] | None
    user_blacklist: list[str] | None
    prune_on_full_sync: bool
    created_by: str | None
    created_at: datetime
    updated_at: datetime


_SOURCE_FIELDS = tuple(f.name for f in fields(SourceRecord))


def source_record(row: asyncpg.Record) -> SourceRecord:
    """A SourceRecord from a row holding (at least) every ``sources`` column."""
    values = {name: row[name] for name in _SOURCE_FIELDS}
    for name in ("user_whitelist", "user_blacklist"):
        if values[name] is not None:
            values[name] = list(values[name])
    return SourceRecord(**values)


def format_timestamp(value: datetime) -> str:
    """RFC 3339, UTC, ``Z``, four-digit year, six fractional digits (protocol §1.3, §11.29)."""
    v = value.astimezone(UTC)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
        f".{v.microsecond:06d}Z"
    )


def _ts(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


async def get_source(conn: Conn, source_id: str) -> SourceRecord | None:
    row = await conn.fetchrow(QUERIES.select_source_by_id, source_id)
    return None if row is None else source_record(row)


async def sources_by_type(conn: Conn, source_type: str) -> list[SourceRecord]:
    rows = await conn.fetch(QUERIES.select_active_sources_by_type, source_type)
    return [source_record(row) for row in rows]


def source_object(rec: SourceRecord) -> dict[str, Any]:
    """The §4.0 Source object (Omni SDK models expect integration_type and scope)."""
    return {
        "id": rec.id,
        "name": rec.name,
        "source_type": rec.source_type,
        "integration_type": "connector",
        "scope": "org",
        "config": rec.config if rec.config is not None else {},
        "is_active": rec.is_active,
        "is_deleted": rec.is_deleted,
        "user_filter_mode": rec.user_filter_mode or "all",
        "user_whitelist": rec.user_whitelist,
        "user_blacklist": rec.user_blacklist,
        "connector_state": rec.connector_state,
        "checkpoint": rec.checkpoint,
        "sync_interval_seconds": rec.sync_interval_seconds,
        "sync_cron": rec.sync_cron,
        "created_at": format_timestamp(rec.created_at),
        "updated_at": format_timestamp(rec.updated_at),
        "created_by": rec.created_by,
    }


def _secret_object(box: SecretBox, blob: bytes) -> dict[str, Any]:
    secret = box.decrypt(bytes(blob))
    # Connectors (the Omni Python SDK among them) reject anything but an object here (§11.31).
    return secret if isinstance(secret, dict) else {}


def credential_object(row: asyncpg.Record, box: SecretBox) -> dict[str, Any]:
    """The §4.0 Credential object, secret decrypted."""
    return {
        "id": row["id"],
        "source_id": row["source_id"],
        "user_id": None,
        "provider": row["provider"],
        "auth_type": row["auth_type"],
        "principal_email": row["principal_email"],
        "credentials": _secret_object(box, row["secret_encrypted"]),
        "config": row["config"] if row["config"] is not None else {},
        "expires_at": _ts(row["expires_at"]),
        "last_validated_at": _ts(row["last_validated_at"]),
        "created_at": format_timestamp(row["created_at"]),
        "updated_at": format_timestamp(row["updated_at"]),
    }


async def get_credential_object(
    conn: Conn, source_id: str, box: SecretBox
) -> dict[str, Any] | None:
    row = await conn.fetchrow(QUERIES.select_credential_by_source, source_id)
    return None if row is None else credential_object(row, box)


async def get_sync_config(conn: Conn, source_id: str, box: SecretBox) -> dict[str, Any] | None:
    """The §4.7 SyncConfig: credentials are the inner object or ``{}``; the source's checkpoint."""
    rec = await get_source(conn, source_id)
    if rec is None:
        return None
    cred = await conn.fetchrow(QUERIES.select_credential_by_source, source_id)
    secret = {} if cred is None else _secret_object(box, cred["secret_encrypted"])
    return {
        "config": rec.config if rec.config is not None else {},
        "credentials": secret,
        "connector_state": rec.connector_state,
        "checkpoint": rec.checkpoint,
        "source_type": rec.source_type,
        "user_filter_mode": rec.user_filter_mode or "all",
        "user_whitelist": rec.user_whitelist,
        "user_blacklist": rec.user_blacklist,
    }
