"""The tool set as last read, and reading it again.

``tools/list`` and the change check read it afresh; a tool call looks its name up in the last read
(reading again only for a name it does not know), since the call itself checks everything anew on
the action's path. A tool listed once and gone since (its connector went offline, its source was
deleted) still resolves, so its call answers why it cannot run instead of "unknown tool".
Concurrent reads share one query.
"""

from __future__ import annotations

import asyncio

from sluice_manager.actions.sources import ParsedCache, offering_sources
from sluice_manager.mcp.builtin import BUILTINS
from sluice_manager.mcp.tools import ActionTool, ToolSet, build_tool_set
from sluice_manager.services import Services

_LISTED_LIMIT = 10_000
DESCRIPTION = (
    "Sluice: search the documents indexed from every source, read one, and run the actions of "
    "the sources whose connectors are online."
)


class ToolCatalog:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._cache = ParsedCache()
        self._lock = asyncio.Lock()
        self._started = 0  # reads begun
        self._finished = 0  # the newest read that completed
        self.current = build_tool_set([], BUILTINS, DESCRIPTION)
        self._listed: dict[
            tuple[str, str], ActionTool
        ] = {}  # every tool read, by endpoint and name

    async def refresh(self) -> ToolSet:
        """The tool set as read by a query begun after this call: callers that arrive while one
        read is under way wait for it, and then share the next one."""
        wanted = self._started + 1
        async with self._lock:
            if self._finished >= wanted:
                return self.current
            self._started += 1
            services = self._services
            sources = await offering_sources(
                services.pool,
                services.clock.now(),
                services.settings.registry_ttl_seconds,
                self._cache,
            )
            self.current = build_tool_set(sources, BUILTINS, DESCRIPTION)
            self._finished = self._started
            if len(self._listed) > _LISTED_LIMIT:
                self._listed.clear()
            for key, endpoint in self.current.endpoints.items():
                self._listed.update(((key, name), tool) for name, tool in endpoint.tools.items())
            return self.current

    async def find(self, endpoint: str, name: str) -> ActionTool | None:
        """The action tool ``name`` of ``endpoint``; read again when the last read lacks it."""
        found = self.current.find(endpoint, name)
        if found is None:
            found = (await self.refresh()).find(endpoint, name)
        return found if found is not None else self._listed.get((endpoint, name))
