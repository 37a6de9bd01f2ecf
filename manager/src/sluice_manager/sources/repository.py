"""Reading sources and credentials, and shaping them into the protocol's §4.0 / §4.7 objects."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from sluice_manager.sources.crypto import SecretBox
from sluice_sdk.models import CredentialObject, SourceObject, SyncConfig, format_timestamp
from sluice_sql.query_loader import QUERIES

__all__ = [
    "SourceRecord",
    "credential_object",
    "format_timestamp",
    "get_credential_object",
    "get_source",
    "get_sync_config",
    "source_object",
    "source_record",
    "sources_by_type",
]

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
    # The catalog descriptor version of a declarative source (both or neither).
    descriptor_slug: str | None = None
    descriptor_version: str | None = None
    # The person who owns the source (§4.7 user-email); set by admins.
    owner_email: str | None = None


_SOURCE_FIELDS = tuple(f.name for f in fields(SourceRecord))


def source_record(row: asyncpg.Record) -> SourceRecord:
    """A SourceRecord from a row holding (at least) every ``sources`` column."""
    values = {name: row[name] for name in _SOURCE_FIELDS}
    for name in ("user_whitelist", "user_blacklist"):
        if values[name] is not None:
            values[name] = list(values[name])
    return SourceRecord(**values)


async def get_source(conn: Conn, source_id: str) -> SourceRecord | None:
    row = await conn.fetchrow(QUERIES.select_source_by_id, source_id)
    return None if row is None else source_record(row)


async def sources_by_type(conn: Conn, source_type: str) -> list[SourceRecord]:
    rows = await conn.fetch(QUERIES.select_active_sources_by_type, source_type)
    return [source_record(row) for row in rows]


def source_object(rec: SourceRecord) -> dict[str, Any]:
    """The §4.0 Source object as JSON-ready values (Omni SDK models expect integration_type and
    scope; timestamps have four-digit years and ``Z``, §11.29)."""
    return SourceObject(
        id=rec.id,
        name=rec.name,
        source_type=rec.source_type,
        integration_type="connector",
        scope="org",
        config=rec.config if rec.config is not None else {},
        is_active=rec.is_active,
        is_deleted=rec.is_deleted,
        user_filter_mode=rec.user_filter_mode or "all",
        user_whitelist=rec.user_whitelist,
        user_blacklist=rec.user_blacklist,
        connector_state=rec.connector_state,
        checkpoint=rec.checkpoint,
        sync_interval_seconds=rec.sync_interval_seconds,
        sync_cron=rec.sync_cron,
        created_at=rec.created_at,
        updated_at=rec.updated_at,
        created_by=rec.created_by,
    ).model_dump(mode="json")


def _secret_object(box: SecretBox, blob: bytes) -> dict[str, Any]:
    secret = box.decrypt(bytes(blob))
    # Connectors (the Omni Python SDK among them) reject anything but an object here (§11.31).
    return secret if isinstance(secret, dict) else {}


def credential_object(row: asyncpg.Record, box: SecretBox) -> dict[str, Any]:
    """The §4.0 Credential object, secret decrypted, as JSON-ready values."""
    return CredentialObject(
        id=row["id"],
        source_id=row["source_id"],
        user_id=None,
        provider=row["provider"],
        auth_type=row["auth_type"],
        principal_email=row["principal_email"],
        credentials=_secret_object(box, row["secret_encrypted"]),
        config=row["config"] if row["config"] is not None else {},
        expires_at=row["expires_at"],
        last_validated_at=row["last_validated_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    ).model_dump(mode="json")


async def get_credential_object(
    conn: Conn, source_id: str, box: SecretBox
) -> dict[str, Any] | None:
    row = await conn.fetchrow(QUERIES.select_credential_by_source, source_id)
    return None if row is None else credential_object(row, box)


async def get_sync_config(conn: Conn, source_id: str, box: SecretBox) -> dict[str, Any] | None:
    """The §4.7 SyncConfig: credentials are the inner object or ``{}``; the source's checkpoint;
    for a declarative source, its pinned descriptor document (a Sluice addition)."""
    rec = await get_source(conn, source_id)
    if rec is None:
        return None
    cred = await conn.fetchrow(QUERIES.select_credential_by_source, source_id)
    secret = {} if cred is None else _secret_object(box, cred["secret_encrypted"])
    descriptor = None
    if rec.descriptor_slug is not None and rec.descriptor_version is not None:
        descriptor = await conn.fetchval(
            QUERIES.select_descriptor_document, rec.descriptor_slug, rec.descriptor_version
        )
    return SyncConfig(
        config=rec.config if rec.config is not None else {},
        credentials=secret,
        connector_state=rec.connector_state,
        checkpoint=rec.checkpoint,
        source_type=rec.source_type,
        user_filter_mode=rec.user_filter_mode or "all",
        user_whitelist=rec.user_whitelist,
        user_blacklist=rec.user_blacklist,
        descriptor=descriptor,
    ).model_dump(mode="json", exclude={"descriptor"} if descriptor is None else None)
