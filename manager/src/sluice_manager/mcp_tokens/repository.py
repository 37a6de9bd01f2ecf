"""MCP tokens in ``scoped_tokens`` (kind ``mcp``): mint, list, revoke, authenticate."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import asyncpg
import structlog

from sluice_manager.connector_tokens.errors import TokenNotFound
from sluice_manager.connector_tokens.secret import token_digest
from sluice_manager.ids import new_id
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

KIND = "mcp"
MCP_TOKEN_PREFIX = "slm_"
# last_used_at is written at most this often per token.
USE_RECORD_INTERVAL_SECONDS = 60.0


def new_mcp_token() -> str:
    """``slm_`` and 43 URL-safe characters (32 random bytes)."""
    return MCP_TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_mcp_token(token: str) -> bool:
    """Whether a presented token has the form of an MCP token (worth a lookup)."""
    return token.startswith(MCP_TOKEN_PREFIX) and len(token) <= 200


@dataclass(frozen=True, slots=True)
class McpToken:
    """A stored MCP token, as listings show it: never the token, never its digest."""

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> McpToken:
        return cls(
            id=row["id"],
            name=row["name"],
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
        )


async def mint(conn: Conn, now: datetime, *, name: str = "") -> tuple[McpToken, str]:
    """A new MCP token and the token itself (shown once, never stored)."""
    token = new_mcp_token()
    row = await conn.fetchrow(
        QUERIES.insert_scoped_token, new_id(), KIND, token_digest(token), name, None, [], now
    )
    minted = McpToken.from_row(row)
    log.info("mcp_token_minted", token_id=minted.id)
    return minted, token


async def list_tokens(conn: Conn) -> list[McpToken]:
    rows = await conn.fetch(QUERIES.select_scoped_tokens, KIND, None)
    return [McpToken.from_row(row) for row in rows]


async def revoke(conn: Conn, token_id: str, now: datetime) -> McpToken:
    """Revoke a token (again: no change); TokenNotFound for an unknown id."""
    row = await conn.fetchrow(QUERIES.revoke_scoped_token, token_id, KIND, now)
    if row is None:
        raise TokenNotFound(token_id)
    log.info("mcp_token_revoked", token_id=token_id)
    return McpToken.from_row(row)


async def authenticate(conn: Conn, token: str, now: datetime) -> McpToken | None:
    """The live MCP token presented; None for an unknown or revoked one."""
    digest = token_digest(token)
    row = await conn.fetchrow(QUERIES.select_live_scoped_token, digest, KIND)
    if row is None or not hmac.compare_digest(bytes(row["token_sha256"]), digest):
        return None
    last = row["last_used_at"]
    if last is None or (now - last).total_seconds() >= USE_RECORD_INTERVAL_SECONDS:
        await conn.execute(QUERIES.touch_scoped_token, row["id"], now, USE_RECORD_INTERVAL_SECONDS)
    return McpToken.from_row(row)
