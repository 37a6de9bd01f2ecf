"""An MCP server's tools as a connector's actions (protocol §3.2, §3.6).

The manifest is the connector's, not a source's, so its tools are discovered once per process from
``mcp_server(None, None)``: the server the connector can reach without a source (a stdio server
lists its tools without credentials; a remote one may need a service credential the connector has
from its own settings). Discovery runs before each registration until it has succeeded once, so a
server that is down at startup is retried at the registration interval. Each action call then
opens a session on ``mcp_server(config, credentials)`` of the calling source and closes it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict

from sluice_sdk.connector import ActionContext, ActionHandler, ActionSpec, Connector
from sluice_sdk.errors import ConfigurationError
from sluice_sdk.mcp.errors import McpNotInstalled, UnsupportedSchema
from sluice_sdk.mcp.schema import action_input_schema
from sluice_sdk.models import ActionDefinition

log = structlog.get_logger("sluice_sdk.mcp")


class ToolArguments(BaseModel):
    """A tool's arguments, passed through as given: the MCP server validates them itself."""

    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True, slots=True)
class McpToolSpec(ActionSpec):
    """An action that calls the tool of the same name; its schema is the tool's, inlined."""

    input_schema: dict[str, Any] = field(default_factory=dict)

    def definition(self) -> ActionDefinition:
        return ActionDefinition(
            name=self.name,
            description=self.description,
            input_schema=self.input_schema,
            mode=self.mode,
            admin_only=self.admin_only,
            hidden=self.hidden,
        )


def uses_mcp(connector: Connector[Any, Any]) -> bool:
    return type(connector).mcp_server is not Connector.mcp_server


def require_mcp() -> None:
    """Raise ``McpNotInstalled`` unless the ``mcp`` package (the ``mcp`` extra) is importable."""
    if importlib.util.find_spec("mcp") is None:
        raise McpNotInstalled()


async def discover_tools(connector: Connector[Any, Any]) -> Mapping[str, ActionSpec]:
    """List the tools of ``mcp_server(None, None)`` and set them as ``connector.mcp_tools``."""
    server = connector.mcp_server(None, None)
    if server is None:
        connector.mcp_tools = {}
        return connector.mcp_tools
    require_mcp()
    from sluice_sdk.mcp.session import list_tools

    tools = await list_tools(server)
    specs: dict[str, ActionSpec] = {}
    for tool in tools:
        if tool.name in connector.actions:
            log.warning("mcp_tool_shadowed", connector=connector.name, tool=tool.name)
            continue
        try:
            schema = action_input_schema(tool.input_schema)
        except UnsupportedSchema as exc:
            log.warning(
                "mcp_tool_skipped", connector=connector.name, tool=tool.name, reason=str(exc)
            )
            continue
        specs[tool.name] = McpToolSpec(
            name=tool.name,
            params_model=ToolArguments,
            handler=_tool_handler(tool.name, frozenset(schema.get("properties") or ())),
            description=tool.description,
            mode="read" if tool.read_only else "write",
            input_schema=schema,
        )
    connector.mcp_tools = specs
    log.info(
        "mcp_tools_discovered",
        connector=connector.name,
        server=server.describe(),
        tools=len(specs),
        skipped=len(tools) - len(specs),
    )
    return specs


class McpDiscovery:
    """The registration loop's step before each registration, until discovery has succeeded."""

    def __init__(self, connector: Connector[Any, Any]) -> None:
        self.connector = connector
        self.done = False

    async def __call__(self) -> None:
        if self.done:
            return
        try:
            await discover_tools(self.connector)
        except Exception as exc:  # any failure of the server: register without its tools, retry
            log.warning("mcp_discovery_failed", connector=self.connector.name, error=str(exc))
            return
        self.done = True


def _tool_handler(tool: str, declared: frozenset[str]) -> ActionHandler:
    async def call(
        connector: Connector[Any, Any], params: ToolArguments, ctx: ActionContext[Any, Any]
    ) -> dict[str, Any]:
        server = connector.mcp_server(ctx.config, ctx.credentials)
        if server is None:
            raise ConfigurationError(f"MCP is disabled for source {ctx.source.id}")
        arguments = tool_arguments(params.model_extra or {}, declared, ctx.source.config)
        require_mcp()
        from sluice_sdk.mcp.session import call_tool

        return await call_tool(server, tool, arguments)

    return call


def tool_arguments(
    params: Mapping[str, Any], declared: frozenset[str], config: Mapping[str, Any]
) -> dict[str, Any]:
    """The manager copies the source's config into params (§3.6): the tool gets only its own
    parameters and whatever else the caller gave, not the config keys it does not declare."""
    return {key: value for key, value in params.items() if key in declared or key not in config}
