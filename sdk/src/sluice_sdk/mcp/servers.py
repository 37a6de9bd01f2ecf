"""The MCP server a connector wraps: a local program over stdio, or a remote streamable-HTTP
endpoint. Plain data, importable without the ``mcp`` package (the ``sluice-sdk[mcp]`` extra)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_TIMEOUT_SECONDS = 30.0
"""Bound on one session (open, list or call, close); the manager waits 60 s for an action."""


@dataclass(frozen=True, slots=True)
class StdioMcpServer:
    """A program the SDK starts for each session and talks to over its stdin/stdout.

    ``env`` is added to a small safe subset of the connector's environment (``PATH``, ``HOME``, …),
    so the connector's own secrets do not leak into the server; put a source's credentials here.
    """

    command: str
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def describe(self) -> str:
        return " ".join([self.command, *self.args])


@dataclass(frozen=True, slots=True)
class HttpMcpServer:
    """A remote MCP endpoint reached over streamable HTTP; ``headers`` go with every request."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def describe(self) -> str:
        return self.url


McpServer = StdioMcpServer | HttpMcpServer
