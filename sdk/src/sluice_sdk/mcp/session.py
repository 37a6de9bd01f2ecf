"""One MCP session per operation, through the official ``mcp`` client (imported only here).

Opening a session starts the stdio server (or connects to the remote one), and closing it stops the
process (or ends the HTTP session); nothing is kept between calls. Failures are translated at this
boundary: a server that cannot be started is a configuration error, one that cannot be reached or
times out is transient, and a tool's own error (``isError``, or a JSON-RPC error to the call) is a
``McpToolError`` carrying the tool's text.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, TextContent
from mcp_types import CONNECTION_CLOSED

from sluice_sdk.errors import ConfigurationError, ConnectorError, TransientError
from sluice_sdk.mcp.errors import McpToolError
from sluice_sdk.mcp.servers import HttpMcpServer, McpServer

_MAX_PAGES = 100  # of tools/list: a paginator that never ends cannot hang discovery


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """What discovery keeps of a tool, free of the ``mcp`` package's types."""

    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool


async def list_tools(server: McpServer) -> list[ToolInfo]:
    found: list[ToolInfo] = []
    async with _session(server) as client:
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = await client.list_tools(cursor=cursor)
            for tool in page.tools:
                annotations = tool.annotations
                found.append(
                    ToolInfo(
                        name=tool.name,
                        description=tool.description or tool.title or "",
                        input_schema=dict(tool.input_schema),
                        read_only=bool(annotations and annotations.read_only_hint),
                    )
                )
            cursor = page.next_cursor
            if cursor is None:
                break
    return found


async def call_tool(server: McpServer, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The tool's result as JSON: its text, its content blocks and any structured content."""
    refused: MCPError | None = None
    async with _session(server) as client:
        try:
            result = await client.call_tool(name, arguments)
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED:
                raise
            refused = exc  # raised outside the session, so it is not wrapped in a task group
    if refused is not None:
        raise McpToolError(name, refused.message) from refused
    text = tool_text(result)
    if result.is_error:
        raise McpToolError(name, text)
    body: dict[str, Any] = {
        "text": text,
        "content": [
            block.model_dump(mode="json", by_alias=True, exclude_none=True)
            for block in result.content
        ],
    }
    if result.structured_content is not None:
        body["structured_content"] = result.structured_content
    return body


def tool_text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


@asynccontextmanager
async def _session(server: McpServer) -> AsyncIterator[Client]:
    try:
        async with asyncio.timeout(server.timeout_seconds), _client(server) as client:
            yield client
    except ConnectorError:
        raise
    except TimeoutError as exc:
        raise TransientError(
            f"MCP server {server.describe()} did not answer within {server.timeout_seconds} s"
        ) from exc
    except (FileNotFoundError, PermissionError) as exc:
        raise ConfigurationError(f"cannot start MCP server {server.describe()}: {exc}") from exc
    except Exception as exc:
        raise TransientError(f"MCP server {server.describe()} failed: {_leaf(exc)}") from exc


@asynccontextmanager
async def _client(server: McpServer) -> AsyncIterator[Client]:
    if isinstance(server, HttpMcpServer):
        timeout = httpx2.Timeout(server.timeout_seconds)
        async with (
            httpx2.AsyncClient(headers=server.headers, timeout=timeout) as http,
            Client(streamable_http_client(server.url, http_client=http), cache=None) as client,
        ):
            yield client
    else:
        params = StdioServerParameters(
            command=server.command, args=list(server.args), env=dict(server.env), cwd=server.cwd
        )
        async with Client(params, cache=None) as client:
            yield client


def _leaf(exc: BaseException) -> str:
    """The first real error inside the task groups the transports raise."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return str(exc) or type(exc).__name__
