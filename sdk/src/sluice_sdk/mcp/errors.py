"""How an MCP server's failures reach the action's caller (style §6)."""

from __future__ import annotations

from sluice_sdk.errors import ConfigurationError, ConnectorError

INSTALL_HINT = "pip install 'sluice-sdk[mcp]'"


class McpNotInstalled(ConfigurationError):
    """The connector wraps an MCP server but the ``mcp`` package (the SDK's extra) is missing."""

    def __init__(self) -> None:
        super().__init__(f"this connector wraps an MCP server, which needs: {INSTALL_HINT}")


class McpToolError(ConnectorError):
    """The tool answered with ``isError`` (or the server refused the call); ``text`` is its own."""

    def __init__(self, tool: str, text: str) -> None:
        self.tool = tool
        self.text = text
        super().__init__(text or f"tool {tool} reported an error")


class UnsupportedSchema(ValueError):
    """A tool's input schema cannot become an action's ``input_schema`` (protocol §3.2)."""
