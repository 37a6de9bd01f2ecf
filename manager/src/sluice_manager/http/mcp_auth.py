"""Who may call ``/mcp``: the admin token, or a live MCP token (``sluice_manager.mcp_tokens``).

The admin check is synchronous; a token of the MCP form costs a lookup, made with the handler's
errors (``resolve``), like a scoped connector token's (``sluice_manager.http.token_auth``).
"""

from __future__ import annotations

from aiohttp import web

from sluice_manager.http.auth import BearerTokens
from sluice_manager.http.token_auth import LookedUpTokenAuth
from sluice_manager.mcp_tokens.repository import McpToken, authenticate, looks_like_mcp_token
from sluice_manager.settings import ManagerSettings

MCP_TOKEN = web.RequestKey("mcp_token", McpToken)


class McpAuth(LookedUpTokenAuth[McpToken]):
    """The ``/mcp`` token check of one app."""

    def __init__(self, settings: ManagerSettings) -> None:
        super().__init__(
            BearerTokens("admin", settings.admin_token),
            looks_like=looks_like_mcp_token,
            lookup=authenticate,
            key=MCP_TOKEN,
            refusal="missing or invalid admin or MCP token",
        )
