"""``/mcp`` and ``/mcp/{server_name}``: Streamable HTTP (GET, POST, DELETE) through the bridge to
the endpoint's session manager. The admin token is checked before (``sluice_manager.http``)."""

from __future__ import annotations

import hashlib

from aiohttp import hdrs, web
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from sluice_manager.http.auth import presented_token
from sluice_manager.http.errors import not_found
from sluice_manager.mcp.bridge import serve_asgi
from sluice_manager.mcp.endpoints import Endpoints
from sluice_manager.mcp.tools import ALL_TOOLS

ENDPOINTS = web.AppKey("mcp_endpoints", Endpoints)


def _principal(request: web.Request) -> AuthenticatedUser:
    """The presenter of the request's token, by digest: the SDK binds a stateful session to the
    credential that opened it, so another token cannot use its id."""
    token = presented_token(request.headers.get(hdrs.AUTHORIZATION)) or ""
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    return AuthenticatedUser(AccessToken(token="", client_id=digest, scopes=[]))


async def _serve(request: web.Request, key: str) -> web.StreamResponse:
    endpoint = await request.app[ENDPOINTS].get(key)
    if endpoint is None:
        raise not_found(f"no MCP server {key}: no active source's descriptor declares it")
    return await serve_asgi(endpoint.manager.handle_request, request, {"user": _principal(request)})


async def all_tools(request: web.Request) -> web.StreamResponse:
    return await _serve(request, ALL_TOOLS)


async def server_tools(request: web.Request) -> web.StreamResponse:
    return await _serve(request, request.match_info["server_name"])


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/mcp", all_tools)
    app.router.add_route("*", "/mcp/{server_name}", server_tools)
