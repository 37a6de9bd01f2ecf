"""One MCP server per endpoint: the SDK's low-level ``Server`` with Sluice's tool handlers, its
session manager, and who listens there for tool-list changes.

Change notifications reach two kinds of clients: a 2026-07-28 client opens a
``subscriptions/listen`` stream (served by the SDK's ``ListenHandler`` from this endpoint's
``Listeners``); a client of an earlier, handshake-era version that listed the tools in a stateful
session gets ``notifications/tools/list_changed`` on its standalone stream. Stateless sessions
have no such stream, so nothing is announced to them. Each listener is told once per change of
the list it knows, never about a list it was already served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
import structlog
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.session import ServerSession
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.subscriptions import ListenHandler, ServerEvent, ToolsListChanged
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError

from sluice_manager.actions import ConnectorOffline, run_action
from sluice_manager.errors import ManagerError
from sluice_manager.http.statuses import status_of
from sluice_manager.mcp import builtin
from sluice_manager.mcp.catalog import ToolCatalog
from sluice_manager.mcp.results import action_result, failure
from sluice_manager.mcp.tools import ALL_TOOLS, ActionTool
from sluice_manager.services import Services
from sluice_manager.settings import ManagerSettings

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class _Listener:
    digest: str  # of the tool list this listener last saw (was served, or told had changed)
    notify: Callable[[], Awaitable[None]]


class Listeners:
    """Who hears about this endpoint's tool-list changes, each with the list it last knew.

    Also the ``SubscriptionBus`` the SDK's ``ListenHandler`` serves ``subscriptions/listen`` from:
    a stream opened now is taken to know the list as last read.
    """

    def __init__(self, digest_now: Callable[[], str]) -> None:
        self._digest_now = digest_now
        self._listeners: dict[object, _Listener] = {}

    @property
    def any(self) -> bool:
        return bool(self._listeners)

    def subscribe(self, listener: Callable[[ServerEvent], None]) -> Callable[[], None]:
        key = object()

        async def notify() -> None:
            listener(ToolsListChanged())

        self._listeners[key] = _Listener(self._digest_now(), notify)

        def unsubscribe() -> None:
            self._listeners.pop(key, None)

        return unsubscribe

    async def publish(self, event: ServerEvent) -> None:
        """The bus's fan-out (unused by Sluice, which announces per listener: ``changed``)."""
        for listener in list(self._listeners.values()):
            await listener.notify()

    def served(self, session: ServerSession, digest: str) -> None:
        """A stateful session was served the list ``digest``: it hears of changes from now on,
        until its connection closes."""
        # The low-level context hands handlers the per-request ServerSession only; its connection
        # (whose ``exit_stack`` is the SDK's documented hook for per-connection teardown) is
        # reachable through it alone.
        connection = session._connection
        if connection.session_id is None:  # stateless: no standalone stream to write to
            return
        key = id(connection)
        known = self._listeners.get(key)
        if known is not None:
            known.digest = digest
            return
        self._listeners[key] = _Listener(digest, session.send_tool_list_changed)
        connection.exit_stack.callback(self._listeners.pop, key, None)

    async def changed(self, digest: str) -> int:
        """Tell each listener that knows another list than ``digest``; how many were told."""
        told = 0
        for listener in list(self._listeners.values()):
            if listener.digest != digest:
                listener.digest = digest
                await listener.notify()  # best effort: the SDK drops what it cannot deliver
                told += 1
        return told


class SluiceServer(Server[Any]):
    """A low-level server whose handshake advertises ``tools.listChanged`` when sessions are
    stateful (the SDK leaves it off unless told)."""

    def __init__(self, name: str, *, stateful: bool, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self._stateful = stateful

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        if notification_options is None:
            notification_options = NotificationOptions(tools_changed=self._stateful)
        return super().create_initialization_options(
            notification_options, experimental_capabilities, extensions
        )


class Handlers:
    """``tools/list`` and ``tools/call`` of one endpoint."""

    def __init__(
        self, services: Services, catalog: ToolCatalog, endpoint: str, listeners: Listeners
    ) -> None:
        self._services = services
        self._catalog = catalog
        self._endpoint = endpoint
        self._listeners = listeners
        self._builtins = builtin.BUILTINS if endpoint == ALL_TOOLS else []

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        found = (await self._catalog.refresh()).endpoint(self._endpoint)
        tools = [t.tool for t in found.tools.values()] if found is not None else []
        self._listeners.served(ctx.session, found.digest if found is not None else "")
        return types.ListToolsResult(tools=[*self._builtins, *tools])

    def input_schema(self, name: str) -> Mapping[str, Any] | None:
        """For the SDK's ``Mcp-Param-*`` header check: from the last read, without a query."""
        for tool in self._builtins:
            if tool.name == name:
                return tool.input_schema
        found = self._catalog.current.find(self._endpoint, name)
        return None if found is None else found.tool.input_schema

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = params.arguments or {}
        if self._builtins and params.name in builtin.CALLS:
            return await builtin.CALLS[params.name](self._services.pool, arguments)
        tool = await self._catalog.find(self._endpoint, params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool: {params.name}")
        return await self._run(tool, arguments)

    async def _run(self, tool: ActionTool, arguments: Mapping[str, Any]) -> types.CallToolResult:
        renamed = tool.renamed_away(arguments)
        if renamed:
            names = {param: name for name, param in tool.renames.items()}
            listing = ", ".join(
                f"{name!r} (this tool calls it {names[name]!r})" for name in renamed
            )
            return failure(f"unknown arguments: {listing}")
        try:
            reply = await run_action(
                self._services, tool.source_id, tool.action, tool.params(arguments)
            )
        except ConnectorOffline as exc:
            return failure(f"{exc.message}: its connector is offline, try again when it is back")
        except ManagerError as exc:
            if status_of(exc) is None:  # not meant for a client: an internal error
                log.exception("mcp_action_failed", source_id=tool.source_id, action=tool.action)
                return failure("internal error")
            return failure(exc.message, exc.details)
        return action_result(reply)


def endpoint_server(
    services: Services,
    catalog: ToolCatalog,
    endpoint: str,
    description: str,
    security: TransportSecuritySettings,
) -> tuple[StreamableHTTPSessionManager, Listeners, ListenHandler]:
    """The session manager serving ``endpoint`` (``""``: ``/mcp``), its listeners, and the
    handler of its ``subscriptions/listen`` streams (which run in their requests' tasks, not in
    the session manager's, so closing the manager does not end them: ``ListenHandler.close``
    does)."""
    settings: ManagerSettings = services.settings

    def digest_now() -> str:
        found = catalog.current.endpoint(endpoint)
        return found.digest if found is not None else ""

    listeners = Listeners(digest_now)
    listen = ListenHandler(listeners)
    handlers = Handlers(services, catalog, endpoint, listeners)
    server = SluiceServer(
        endpoint or "sluice",
        stateful=not settings.mcp_stateless,
        description=description,
        instructions=description,
        on_list_tools=handlers.list_tools,
        on_call_tool=handlers.call_tool,
        on_subscriptions_listen=listen,
        get_tool_input_schema=handlers.input_schema,
    )
    manager = StreamableHTTPSessionManager(
        app=server,
        json_response=settings.mcp_json_response,
        stateless=settings.mcp_stateless,
        security_settings=security,
        session_idle_timeout=settings.mcp_session_idle_seconds,
        max_request_body_size=settings.max_json_body_bytes,
    )
    return manager, listeners, listen
