"""The manager as an MCP server (docs/mcp.md): ``/mcp`` serves ``search``, ``get_document`` and one
tool per action of every active source whose connector is online; ``/mcp/<server_name>`` the tools
of the descriptors whose ``mcp_config`` declares that server.

The official ``mcp`` SDK serves the protocol (its low-level ``Server`` and Streamable HTTP session
managers, stateful or stateless, SSE or JSON answers) on this app and port, through an ASGI bridge
(``bridge``). What the app owns, ``setup`` installs: the endpoints and their sessions task
(``endpoints``), and the task announcing tool-list changes (``changes``). Tool calls run actions on
the path of the admin API (``sluice_manager.actions``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from sluice_manager.mcp.catalog import ToolCatalog
from sluice_manager.mcp.changes import watch_changes
from sluice_manager.mcp.endpoints import Endpoints
from sluice_manager.mcp.routes import ENDPOINTS, add_routes
from sluice_manager.mcp.security import transport_security
from sluice_manager.mcp.tools import ALL_TOOLS
from sluice_manager.services import SERVICES
from sluice_sdk.tasks import cancel_and_wait

__all__ = ["ENDPOINTS", "setup"]

log = structlog.get_logger(__name__)

_WATCHER = web.AppKey("mcp_watcher", asyncio.Task[None])


def setup(app: web.Application) -> None:
    """Install the MCP endpoints and routes; call after ``services.setup``."""
    app.cleanup_ctx.append(_mcp)
    app.on_shutdown.append(_stop)
    add_routes(app)


async def _mcp(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    settings = services.settings
    security = transport_security(settings)
    catalog = ToolCatalog(services)
    endpoints = Endpoints(services, catalog, security)
    endpoints.start()
    app[ENDPOINTS] = endpoints
    try:
        await endpoints.get(ALL_TOOLS)
        app[_WATCHER] = asyncio.create_task(
            watch_changes(catalog, endpoints, settings.mcp_tools_check_seconds),
            name="mcp-tool-changes",
        )
        log.info(
            "mcp_ready",
            allowed_hosts=security.allowed_hosts,
            host_check=security.enable_dns_rebinding_protection,
            stateless=settings.mcp_stateless,
            json_response=settings.mcp_json_response,
        )
        yield
    finally:
        await _stop(app)


async def _stop(app: web.Application) -> None:
    """At the start of shutdown (and again at cleanup): stop announcing, close every session, so
    open streams end before the server waits for its connections."""
    await cancel_and_wait(app.get(_WATCHER))
    endpoints = app.get(ENDPOINTS)
    if endpoints is not None:
        await endpoints.stop()
