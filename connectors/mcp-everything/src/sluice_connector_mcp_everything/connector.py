"""The ``mcp_everything`` connector: an MCP server's tools, and nothing else, as actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from sluice_connector_mcp_everything.config import EverythingConfig, EverythingCredentials
from sluice_sdk import ConfigurationError, Connector
from sluice_sdk.mcp import HttpMcpServer, McpServer, StdioMcpServer
from sluice_sdk.models import SyncMode

TOKEN_VARIABLE = "EVERYTHING_TOKEN"


class EverythingConnector(Connector[EverythingConfig, EverythingCredentials]):
    name = "mcp-everything"
    display_name = "MCP server-everything"
    description = "The tools of @modelcontextprotocol/server-everything as actions"
    version = "0.1.0"
    source_types: ClassVar[list[str]] = ["mcp_everything"]
    sync_modes: ClassVar[list[SyncMode]] = []  # actions only: the manager never schedules it
    config_model = EverythingConfig
    credentials_model = EverythingCredentials

    def __init__(self, command: Sequence[str] = ("mcp-server-everything",)) -> None:
        if not command:
            raise ValueError("the stdio command is empty")
        self.command = list(command)

    def mcp_server(
        self, config: EverythingConfig | None, credentials: EverythingCredentials | None
    ) -> McpServer:
        """At startup (no source) the stdio server, which lists its tools without credentials."""
        config = config or EverythingConfig()
        token = credentials.token if credentials is not None else None
        if config.transport == "http":
            if config.url is None:  # EverythingConfig refuses it; for the type checker
                raise ConfigurationError("transport http needs a url")
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return HttpMcpServer(config.url, headers=headers)
        program, *args = self.command
        env = {TOKEN_VARIABLE: token} if token else {}
        return StdioMcpServer(program, [*args, "stdio"], env=env)
