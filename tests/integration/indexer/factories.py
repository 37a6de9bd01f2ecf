"""Queue rows written straight into Postgres, the way the manager enqueues them (protocol §10.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
from ulid import ULID

from sluice_indexer.settings import IndexerSettings
from sluice_sql.queue_contract import EVENTS_CHANNEL, SWEEP_EVENT_TYPE

PUBLIC = {"public": True, "users": [], "groups": []}


def settings(db_url: str, **overrides: Any) -> IndexerSettings:
    base: dict[str, Any] = {"database_url": db_url, "claim_batch_size": 500}
    base.update(overrides)
    return IndexerSettings(**base)


async def add_source(conn: asyncpg.Connection, source_id: str | None = None) -> str:
    source_id = source_id or str(ULID())
    now = datetime.now(UTC)
    await conn.execute(
        "INSERT INTO sources (id, name, source_type, created_at, updated_at)"
        " VALUES ($1, $1, 'test', $2, $2)",
        source_id,
        now,
    )
    return source_id


async def add_run(
    conn: asyncpg.Connection, source_id: str, *, sync_type: str = "full", status: str = "running"
) -> str:
    run_id = str(ULID())
    # As the manager does (§10.7.1): the sequence's last value, whatever retention removed.
    start_seq = await conn.fetchval(
        "SELECT coalesce(pg_sequence_last_value("
        "pg_get_serial_sequence('event_queue', 'seq')::regclass), 0)"
    )
    await conn.execute(
        "INSERT INTO sync_runs (id, source_id, sync_type, trigger_type, status, created_at,"
        " start_seq) VALUES ($1, $2, $3, 'manual', $4, $5, $6)",
        run_id,
        source_id,
        sync_type,
        status,
        datetime.now(UTC),
        start_seq,
    )
    return run_id


async def add_blob(conn: asyncpg.Connection, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    existing = await conn.fetchval("SELECT id FROM content_blobs WHERE sha256 = $1", digest)
    if existing:
        return str(existing)
    blob_id = str(ULID())
    await conn.execute(
        "INSERT INTO content_blobs (id, sha256, size_bytes, content) VALUES ($1, $2, $3, $4)",
        blob_id,
        digest,
        len(text.encode()),
        text,
    )
    return blob_id


def created(
    document_id: str,
    content_id: str,
    *,
    title: str | None = None,
    permissions: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if title is not None:
        metadata["title"] = title
    if url is not None:
        metadata["url"] = url
    event: dict[str, Any] = {
        "type": "document_created",
        "document_id": document_id,
        "content_id": content_id,
        "metadata": metadata,
        "permissions": dict(permissions or PUBLIC),
    }
    if attributes is not None:
        event["attributes"] = dict(attributes)
    return event


def updated(
    document_id: str,
    content_id: str,
    *,
    title: str | None = None,
    permissions: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    event = created(document_id, content_id, title=title, attributes=attributes)
    event["type"] = "document_updated"
    event["permissions"] = None if permissions is None else dict(permissions)
    return event


def deleted(document_id: str) -> dict[str, Any]:
    return {"type": "document_deleted", "document_id": document_id}


def group_sync(group_email: str, members: Iterable[str], name: str | None = None) -> dict[str, Any]:
    return {
        "type": "group_membership_sync",
        "group_email": group_email,
        "group_name": name,
        "member_emails": list(members),
    }


def _key(event: Mapping[str, Any]) -> tuple[str, str]:
    kind = event["type"]
    if kind.startswith("document_"):
        return "document", str(event["document_id"])
    if kind == "group_membership_sync":
        return "group", str(event["group_email"]).strip().lower()
    if kind == "person_deleted":
        return "person", str(event["email"]).strip().lower()
    if kind == "person_sync":
        return "person", str(event["person"]["email"]).strip().lower()
    raise ValueError(kind)


async def enqueue(
    conn: asyncpg.Connection, source_id: str, run_id: str, events: Iterable[Mapping[str, Any]]
) -> list[int]:
    """Insert events in order (seq order = list order) and NOTIFY, like the manager does."""
    seqs: list[int] = []
    async with conn.transaction():
        for event in events:
            body = {**event, "source_id": source_id, "sync_run_id": run_id}
            kind, key = _key(event)
            seq = await conn.fetchval(
                "INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind,"
                " entity_key, payload) VALUES ($1, $2, $3, $4, $5, $6::json) RETURNING seq",
                source_id,
                run_id,
                event["type"],
                kind,
                key,
                body,
            )
            seqs.append(seq)
        await conn.execute("SELECT pg_notify($1, $2)", EVENTS_CHANNEL, source_id)
    return seqs


async def enqueue_sweep(
    conn: asyncpg.Connection, source_id: str, run_id: str, start_seq: int
) -> int:
    payload = {"sync_run_id": run_id, "source_id": source_id, "start_seq": start_seq}
    seq: int = await conn.fetchval(
        "INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key,"
        " payload) VALUES ($1, $2, $4, 'sweep', $2, $3::json) RETURNING seq",
        source_id,
        run_id,
        payload,
        SWEEP_EVENT_TYPE,
    )
    return seq


async def documents(conn: asyncpg.Connection, source_id: str) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT external_id, title, content, permissions, attributes, last_seq, url,"
        " tsv IS NOT NULL AS indexed FROM documents WHERE source_id = $1",
        source_id,
    )
    return {r["external_id"]: dict(r) for r in rows}


async def queue_rows(conn: asyncpg.Connection) -> dict[int, dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT seq, status, attempts, last_error, available_at FROM event_queue ORDER BY seq"
    )
    return {r["seq"]: dict(r) for r in rows}
