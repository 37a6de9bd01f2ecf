"""Tool-list changes reach the clients that listen: a stateful session of the 2025 handshake gets
``notifications/tools/list_changed``, a 2026-07-28 client its ``subscriptions/listen`` event."""

from __future__ import annotations

import asyncio

import mcp_types as types
import pytest
from mcp.client.session import IncomingMessage
from mcp.shared.subscriptions import ToolsListChanged

from tests.chaos.harness import Processes, eventually
from tests.mcp_server.conftest import StartManager, mcp_client, start_notes

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


async def test_new_tools_are_announced_to_listening_clients(
    procs: Processes, start_manager: StartManager
) -> None:
    manager = await start_manager(SLUICE_MCP_TOOLS_CHECK_SECONDS="0.2")
    await start_notes(procs, manager)
    await eventually(lambda: manager.connector_online("notes"), 30, "notes to register", procs)
    told = asyncio.Queue[types.ToolListChangedNotification]()

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            told.put_nowait(message)

    url = f"{manager.url}/mcp"
    async with (
        mcp_client(url, mode="legacy", message_handler=on_message) as handshake,
        mcp_client(url) as modern,
    ):
        assert handshake.server_capabilities.tools is not None
        assert handshake.server_capabilities.tools.list_changed is True
        before = [tool.name for tool in (await handshake.list_tools()).tools]
        assert before == ["search", "get_document"]
        await modern.list_tools()
        async with modern.listen(tools_list_changed=True) as subscription:
            await manager.notes_source("Team Notes")
            async with asyncio.timeout(30):
                await told.get()
                event = await anext(subscription)
            assert isinstance(event, ToolsListChanged)
        after = [tool.name for tool in (await handshake.list_tools()).tools]
        assert "team-notes__lookup" in after
        assert told.empty()  # once per change
