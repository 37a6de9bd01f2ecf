"""Connectors that wrap an MCP server (docs/sdk-mcp.md).

A connector returns the server from ``Connector.mcp_server(config, credentials)``; the SDK lists
its tools once, advertises each as an action, and runs every call of one as a tool call in a
session of its own. The official ``mcp`` client comes with the extra ``sluice-sdk[mcp]`` and is
imported only when a session opens; this package imports without it.

class EchoConnector(Connector[EchoConfig, EchoCredentials]):
    name = "echo"
    source_types = ["echo"]
    sync_modes = []

    def mcp_server(self, config, credentials):
        token = credentials.token if credentials else ""
        return StdioMcpServer("echo-mcp-server", ["stdio"], env={"ECHO_TOKEN": token})
"""

from sluice_sdk.mcp.errors import McpNotInstalled, McpToolError, UnsupportedSchema
from sluice_sdk.mcp.schema import action_input_schema
from sluice_sdk.mcp.servers import HttpMcpServer, McpServer, StdioMcpServer
from sluice_sdk.mcp.tools import McpDiscovery, McpToolSpec, discover_tools, require_mcp, uses_mcp

__all__ = [
    "HttpMcpServer",
    "McpDiscovery",
    "McpNotInstalled",
    "McpServer",
    "McpToolError",
    "McpToolSpec",
    "StdioMcpServer",
    "UnsupportedSchema",
    "action_input_schema",
    "discover_tools",
    "require_mcp",
    "uses_mcp",
]
