"""Who is told of a tool-list change: each listener once per change of the list it knows."""

from __future__ import annotations

from mcp.server.subscriptions import ServerEvent, ToolsListChanged

from sluice_manager.mcp.servers import Listeners


async def test_a_stream_is_told_once_per_change_of_the_list_it_knows() -> None:
    now = "d1"
    listeners = Listeners(lambda: now)
    assert not listeners.any
    seen: list[ServerEvent] = []
    unsubscribe = listeners.subscribe(seen.append)
    assert listeners.any
    assert await listeners.changed("d1") == 0  # the list it was taken to know
    assert await listeners.changed("d2") == 1
    assert await listeners.changed("d2") == 0
    assert seen == [ToolsListChanged()]
    now = "d2"
    late: list[ServerEvent] = []
    listeners.subscribe(late.append)  # opened after the change: knows d2 already
    assert await listeners.changed("d3") == 2
    assert (len(seen), len(late)) == (2, 1)
    unsubscribe()
    assert await listeners.changed("d4") == 1
    assert len(seen) == 2
