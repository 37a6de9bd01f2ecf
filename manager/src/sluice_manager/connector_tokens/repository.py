"""Connector tokens in ``scoped_tokens`` (kind ``connector``): mint, list, revoke, authenticate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from sluice_manager.connector_tokens.errors import TokenTypesUnknown
from sluice_manager.connector_tokens.rows import Conn, insert_row, list_rows, live_row, revoke_row
from sluice_manager.connector_tokens.scope import ConnectorScope
from sluice_manager.connector_tokens.secret import new_connector_token
from sluice_manager.registry.repository import get_connector

log = structlog.get_logger(__name__)

KIND = "connector"


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
    row = await insert_row(
        conn, KIND, token, now, name=name, connector_id=connector_id, source_types=types
    )
    minted = ConnectorToken.from_row(row)
    log.info(
        "connector_token_minted", token_id=minted.id, connector_id=connector_id, source_types=types
    )
    return minted, token


async def list_tokens(conn: Conn, connector_id: str | None = None) -> list[ConnectorToken]:
    return [ConnectorToken.from_row(row) for row in await list_rows(conn, KIND, connector_id)]


async def revoke(conn: Conn, token_id: str, now: datetime) -> ConnectorToken:
    """Revoke a token (again: no change); TokenNotFound for an unknown id."""
    revoked = ConnectorToken.from_row(await revoke_row(conn, KIND, token_id, now))
    log.info("connector_token_revoked", token_id=token_id, connector_id=revoked.connector_id)
    return revoked


async def authenticate(
    conn: Conn, token: str, now: datetime, *, record_use: bool = True
) -> ConnectorScope | None:
    """The scope of a live connector token; None for an unknown or revoked one."""
    row = await live_row(conn, KIND, token, now, record_use=record_use)
    if row is None:
        return None
    return ConnectorScope(
        token_id=row["id"],
        connector_id=row["connector_id"],
        source_types=frozenset(row["source_types"]),
    )
