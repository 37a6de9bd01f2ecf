"""Rows of ``scoped_tokens`` by kind (``connector``, ``mcp``): insert, list, revoke, and the live
row of a presented token. Each kind's repository turns the rows into its own type."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import TypeAlias

import asyncpg

from sluice_manager.connector_tokens.errors import TokenNotFound
from sluice_manager.connector_tokens.secret import token_digest
from sluice_manager.ids import new_id
from sluice_sql.query_loader import QUERIES

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# last_used_at is written at most this often per token: enough to tell a live token from a
# forgotten one, without a write per request.
USE_RECORD_INTERVAL_SECONDS = 60.0


async def insert_row(
    conn: Conn,
    kind: str,
    token: str,
    now: datetime,
    *,
    name: str,
    connector_id: str | None = None,
    source_types: Sequence[str] = (),
) -> asyncpg.Record:
    """Store a new token of ``kind`` (its digest, never the token)."""
    row: asyncpg.Record = await conn.fetchrow(
        QUERIES.insert_scoped_token,
        new_id(),
        kind,
        token_digest(token),
        name,
        connector_id,
        list(source_types),
        now,
    )
    return row


async def list_rows(conn: Conn, kind: str, connector_id: str | None = None) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(QUERIES.select_scoped_tokens, kind, connector_id)
    return rows


async def revoke_row(conn: Conn, kind: str, token_id: str, now: datetime) -> asyncpg.Record:
    """Revoke a token of ``kind`` (again: no change); TokenNotFound for an unknown id."""
    row: asyncpg.Record | None = await conn.fetchrow(
        QUERIES.revoke_scoped_token, token_id, kind, now
    )
    if row is None:
        raise TokenNotFound(token_id)
    return row


async def live_row(
    conn: Conn, kind: str, token: str, now: datetime, *, record_use: bool = True
) -> asyncpg.Record | None:
    """The row of a live token of ``kind``; None for an unknown or revoked one. Its use is
    recorded (``last_used_at``) at most once per ``USE_RECORD_INTERVAL_SECONDS``."""
    digest = token_digest(token)
    row: asyncpg.Record | None = await conn.fetchrow(QUERIES.select_live_scoped_token, digest, kind)
    # The lookup was by digest; comparing again in constant time costs nothing and keeps the
    # decision independent of how the index found the row.
    if row is None or not hmac.compare_digest(bytes(row["token_sha256"]), digest):
        return None
    last = row["last_used_at"]
    if record_use and (last is None or (now - last).total_seconds() >= USE_RECORD_INTERVAL_SECONDS):
        await conn.execute(QUERIES.touch_scoped_token, row["id"], now, USE_RECORD_INTERVAL_SECONDS)
    return row
