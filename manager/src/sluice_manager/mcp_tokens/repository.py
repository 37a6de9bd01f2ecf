"""MCP tokens in ``scoped_tokens`` (kind ``mcp``): mint, list, revoke, authenticate."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from sluice_manager.connector_tokens.rows import Conn, insert_row, list_rows, live_row, revoke_row

log = structlog.get_logger(__name__)

KIND = "mcp"
MCP_TOKEN_PREFIX = "slm_"


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
    minted = McpToken.from_row(await insert_row(conn, KIND, token, now, name=name))
    log.info("mcp_token_minted", token_id=minted.id)
    return minted, token


async def list_tokens(conn: Conn) -> list[McpToken]:
    return [McpToken.from_row(row) for row in await list_rows(conn, KIND)]


async def revoke(conn: Conn, token_id: str, now: datetime) -> McpToken:
    """Revoke a token (again: no change); TokenNotFound for an unknown id."""
    revoked = McpToken.from_row(await revoke_row(conn, KIND, token_id, now))
    log.info("mcp_token_revoked", token_id=token_id)
    return revoked


async def authenticate(conn: Conn, token: str, now: datetime) -> McpToken | None:
    """The live MCP token presented; None for an unknown or revoked one."""
    row = await live_row(conn, KIND, token, now)
    return None if row is None else McpToken.from_row(row)
