"""Connector tokens in ``scoped_tokens`` (kind ``connector``): mint, list, revoke, authenticate."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import asyncpg
import structlog

from sluice_manager.connector_tokens.errors import TokenNotFound, TokenTypesUnknown
from sluice_manager.connector_tokens.scope import ConnectorScope
from sluice_manager.connector_tokens.secret import new_connector_token, token_digest
from sluice_manager.ids import new_id
from sluice_manager.registry.repository import get_connector
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

KIND = "connector"
# last_used_at is written at most this often per token: enough to tell a live token from a
# forgotten one, without a write per request.
USE_RECORD_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class ConnectorToken:
    """A stored connector token, as listings show it: never the token, never its digest."""

    id: str
    name: str
    connector_id: str
    source_types: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> ConnectorToken:
        return cls(
            id=row["id"],
            name=row["name"],
            connector_id=row["connector_id"],
            source_types=tuple(row["source_types"]),
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
        )


async def mint(
    conn: Conn,
    connector_id: str,
    source_types: Sequence[str] | None,
    now: datetime,
    *,
    name: str = "",
) -> tuple[ConnectorToken, str]:
    """A new token for ``connector_id`` and the token itself (shown once, never stored).

    Without ``source_types``, those of the connector's registered manifest; TokenTypesUnknown
    when it never registered."""
    if source_types is None:
        registered = await get_connector(conn, connector_id)
        if registered is None:
            raise TokenTypesUnknown(connector_id)
        source_types = registered.source_types
    types = list(dict.fromkeys(source_types))
    token = new_connector_token()
    row = await conn.fetchrow(
        QUERIES.insert_scoped_token,
        new_id(),
        KIND,
        token_digest(token),
        name,
        connector_id,
        types,
        now,
    )
    minted = ConnectorToken.from_row(row)
    log.info(
        "connector_token_minted", token_id=minted.id, connector_id=connector_id, source_types=types
    )
    return minted, token


async def list_tokens(conn: Conn, connector_id: str | None = None) -> list[ConnectorToken]:
    rows = await conn.fetch(QUERIES.select_scoped_tokens, KIND, connector_id)
    return [ConnectorToken.from_row(row) for row in rows]


async def revoke(conn: Conn, token_id: str, now: datetime) -> ConnectorToken:
    """Revoke a token (again: no change); TokenNotFound for an unknown id."""
    row = await conn.fetchrow(QUERIES.revoke_scoped_token, token_id, KIND, now)
    if row is None:
        raise TokenNotFound(token_id)
    revoked = ConnectorToken.from_row(row)
    log.info("connector_token_revoked", token_id=token_id, connector_id=revoked.connector_id)
    return revoked


async def authenticate(
    conn: Conn, token: str, now: datetime, *, record_use: bool = True
) -> ConnectorScope | None:
    """The scope of a live connector token; None for an unknown or revoked one."""
    digest = token_digest(token)
    row = await conn.fetchrow(QUERIES.select_live_scoped_token, digest, KIND)
    # The lookup was by digest; comparing again in constant time costs nothing and keeps the
    # decision independent of how the index found the row.
    if row is None or not hmac.compare_digest(bytes(row["token_sha256"]), digest):
        return None
    last = row["last_used_at"]
    if record_use and (last is None or (now - last).total_seconds() >= USE_RECORD_INTERVAL_SECONDS):
        await conn.execute(QUERIES.touch_scoped_token, row["id"], now, USE_RECORD_INTERVAL_SECONDS)
    return ConnectorScope(
        token_id=row["id"],
        connector_id=row["connector_id"],
        source_types=frozenset(row["source_types"]),
    )
