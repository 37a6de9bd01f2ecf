"""Who may call ``/mcp``: the admin token, or a live MCP token (``sluice_manager.mcp_tokens``).

The admin check is synchronous; a token of the MCP form costs a lookup, made with the handler's
errors (``resolve``), like a scoped connector token's.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from sluice_manager.http.auth import BearerTokens, presented_token
from sluice_manager.http.errors import HttpError
from sluice_manager.mcp_tokens.repository import McpToken, authenticate, looks_like_mcp_token
from sluice_manager.services import SERVICES
from sluice_manager.settings import ManagerSettings

MCP_TOKEN = web.RequestKey("mcp_token", McpToken)


def _refusal() -> HttpError:
    return HttpError(
        401, "missing or invalid admin or MCP token", headers={"WWW-Authenticate": "Bearer"}
    )


class McpAuth:
    """The ``/mcp`` token check of one app."""

    def __init__(self, settings: ManagerSettings) -> None:
        self._admin = BearerTokens("admin", settings.admin_token)

    def check(self, request: web.Request) -> bool:
        """False when the admin token passes; True when an MCP token must be looked up
        (``resolve``); 401 otherwise."""
        header = request.headers.get(hdrs.AUTHORIZATION)
        if self._admin.allowed(header):
            return False
        token = presented_token(header)
        if token and looks_like_mcp_token(token):
            return True
        raise _refusal()

    async def resolve(self, request: web.Request) -> None:
        token = presented_token(request.headers.get(hdrs.AUTHORIZATION)) or ""
        services = request.app[SERVICES]
        found = await authenticate(services.pool, token, services.clock.now())
        if found is None:
            raise _refusal()
        request[MCP_TOKEN] = found
