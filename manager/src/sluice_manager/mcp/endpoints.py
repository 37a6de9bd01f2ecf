"""The app's MCP endpoints and the one task that runs their session managers.

``/mcp`` starts with the app; ``/mcp/<server_name>`` when first asked for, while a descriptor of an
offering source declares that server. Each session manager's ``run()`` (the task group of its
sessions) is entered by one dedicated task, ``mcp-sessions``, which the app owns: cancelling it
closes every session and stream, which the app does as it begins shutting down so open SSE
streams do not hold up the server's shutdown (2026-07-28 ``subscriptions/listen`` streams, which
live in their requests' tasks, are closed first).
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import structlog
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.subscriptions import ListenHandler
from mcp.server.transport_security import TransportSecuritySettings

from sluice_manager.http.errors import HttpError
from sluice_manager.mcp.catalog import ToolCatalog
from sluice_manager.mcp.servers import Listeners, endpoint_server
from sluice_manager.mcp.tools import ALL_TOOLS
from sluice_manager.services import Services
from sluice_sdk.tasks import cancel_and_wait

log = structlog.get_logger(__name__)


def _unavailable() -> HttpError:
    return HttpError(503, "the MCP server is shutting down")


@dataclass(slots=True)
class Endpoint:
    key: str
    manager: StreamableHTTPSessionManager
    listeners: Listeners
    listen: ListenHandler
    ready: asyncio.Future[None] = field(default_factory=asyncio.Future)


class Endpoints:
    def __init__(
        self, services: Services, catalog: ToolCatalog, security: TransportSecuritySettings
    ) -> None:
        self._services = services
        self._catalog = catalog
        self._security = security
        self._endpoints: dict[str, Endpoint] = {}
        self._starts: asyncio.Queue[Endpoint] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mcp-sessions")

    async def stop(self) -> None:
        """End every listen stream and close every session; idempotent."""
        for endpoint in self._endpoints.values():
            endpoint.listen.close()
        await cancel_and_wait(self._task)
        for endpoint in self._endpoints.values():
            endpoint.ready.cancel()

    def started(self) -> list[Endpoint]:
        return list(self._endpoints.values())

    async def get(self, key: str) -> Endpoint | None:
        """The endpoint ``key`` (started now if new), or None when no offering source's
        descriptor declares that server."""
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            tools = self._catalog.current.endpoint(key)
            if tools is None:
                tools = (await self._catalog.refresh()).endpoint(key)
            if tools is None:
                return None
            endpoint = self._endpoints.get(key)  # started by another request meanwhile
            if endpoint is None:
                manager, listeners, listen = endpoint_server(
                    self._services, self._catalog, key, tools.description, self._security
                )
                endpoint = Endpoint(key, manager, listeners, listen)
                self._endpoints[key] = endpoint
                self._starts.put_nowait(endpoint)
        if self._task is None or self._task.done():
            raise _unavailable()
        try:
            await asyncio.shield(endpoint.ready)
        except asyncio.CancelledError:
            if endpoint.ready.cancelled():  # stop() came first
                raise _unavailable() from None
            raise
        return endpoint

    async def _run(self) -> None:
        """Enter each endpoint's session manager as it is asked for; leave them all when
        cancelled (in reverse order, as they must be)."""
        async with AsyncExitStack() as stack:
            while True:
                endpoint = await self._starts.get()
                try:
                    await stack.enter_async_context(endpoint.manager.run())
                except Exception as exc:
                    log.exception("mcp_endpoint_failed", endpoint=endpoint.key)
                    self._endpoints.pop(endpoint.key, None)
                    endpoint.ready.set_exception(exc)
                    continue
                log.info("mcp_endpoint_started", endpoint=endpoint.key or "/mcp")
                endpoint.ready.set_result(None)


async def start_all_tools(endpoints: Endpoints) -> None:
    """``/mcp`` is always there."""
    if await endpoints.get(ALL_TOOLS) is None:  # pragma: no cover - the catalog always has it
        raise RuntimeError("no /mcp endpoint")
