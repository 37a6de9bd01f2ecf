"""An MCP server (the official Python SDK's ``MCPServer``, over stdio) whose tools carry the input
schemas pydantic emits: ``lookup`` takes nested models (``$defs`` and ``$ref``), ``tree`` a
recursive one; ``refuse`` answers with ``isError``; ``whoami`` shows its ``SCHEMAS_TOKEN``;
``wait`` sleeps.

Run as ``python mcp_schemas_server.py`` (the tests start it through ``sluice_sdk.mcp``).
"""

from __future__ import annotations

import asyncio
import os

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

server = MCPServer("schemas")


class Period(BaseModel):
    year: int


class Query(BaseModel):
    text: str
    period: Period


class Node(BaseModel):
    name: str
    children: list[Node] = []


@server.tool(description="Find by text within a year")
def lookup(query: Query) -> str:
    return f"{query.text} in {query.period.year}"


@server.tool(description="Count the nodes of a tree")
def tree(node: Node) -> int:
    return 1 + sum(tree(child) for child in node.children)


@server.tool(description="Always refuses")
def refuse(reason: str) -> str:
    raise ToolError(f"refused: {reason}")


@server.tool(description="The token this server was started with")
def whoami() -> str:
    return os.environ.get("SCHEMAS_TOKEN", "")


@server.tool(description="Sleep, then answer")
async def wait(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "awake"


if __name__ == "__main__":
    server.run("stdio")
