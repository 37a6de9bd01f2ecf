"""Announcing tool-list changes: one task, ``mcp-tool-changes``, reads the tool set every
``mcp_tools_check_seconds`` while anyone listens, and tells each listener whose list (by digest)
differs from the endpoint's list now.

A digest rather than events: the list changes with sources (created, paused, deleted, re-pinned),
with descriptors and with connectors coming online or going offline, the last by the mere passing
of time (a heartbeat that stops arriving), so comparing what a client would list is the one check
that sees every cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from sluice_manager.mcp.catalog import ToolCatalog
from sluice_manager.mcp.endpoints import Endpoints

log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]


async def announce_changes(catalog: ToolCatalog, endpoints: Endpoints) -> int:
    """Read the tool set once (when anyone listens) and tell each endpoint's listeners that know
    another list; how many were told."""
    started = endpoints.started()
    if not any(endpoint.listeners.any for endpoint in started):
        return 0
    tool_set = await catalog.refresh()
    told = 0
    for endpoint in started:
        tools = tool_set.endpoint(endpoint.key)
        count = await endpoint.listeners.changed(tools.digest if tools is not None else "")
        if count:
            log.info("mcp_tools_changed", endpoint=endpoint.key or "/mcp", listeners=count)
        told += count
    return told


async def watch_changes(
    catalog: ToolCatalog, endpoints: Endpoints, interval: float, sleep: Sleep = asyncio.sleep
) -> None:
    """Until cancelled: ``announce_changes`` every ``interval`` seconds."""
    while True:
        await sleep(interval)
        try:
            await announce_changes(catalog, endpoints)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("mcp_tools_check_failed", error=str(exc))
