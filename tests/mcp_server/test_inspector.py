"""The MCP Inspector's CLI (npm ``@modelcontextprotocol/inspector``, pinned in ``thirdparty/`` with
its lock file and installed by the test set-up) lists and calls the tools of a running manager."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.chaos.harness import ADMIN_TOKEN, Processes, eventually
from tests.mcp_server.conftest import Manager, StartManager, start_notes
from tests.support.thirdparty import ensure_npm_packages

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

THIRDPARTY = Path(__file__).resolve().parent / "thirdparty"


def _inspector(
    manager: Manager, home: Path, *args: str, token: str = ADMIN_TOKEN
) -> subprocess.CompletedProcess[str]:
    """``mcp-inspector --cli`` against the manager's /mcp; its files (catalog, stored OAuth state)
    go to ``home``, not the user's."""
    cli = ensure_npm_packages(THIRDPARTY) / "@modelcontextprotocol" / "inspector"
    command = [
        "node",
        str(cli / "clients" / "launcher" / "build" / "index.js"),
        "--cli",
        f"{manager.url}/mcp",
        "--transport",
        "http",
        "--header",
        f"Authorization: Bearer {token}",
        *args,
    ]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("HOME", "MCP_AUTO_OPEN_ENABLED")},
        "HOME": str(home),
        "MCP_CATALOG_PATH": str(home / "mcp.json"),
    }
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, cwd=THIRDPARTY, env=env
    )


async def test_the_inspector_lists_and_calls_the_tools(
    procs: Processes, start_manager: StartManager, tmp_path: Path
) -> None:
    manager = await start_manager()
    await start_notes(procs, manager)
    await eventually(lambda: manager.connector_online("notes"), 30, "notes to register", procs)
    await manager.notes_source("Team Notes")

    listed = await asyncio.to_thread(
        _inspector, manager, tmp_path, "--method", "tools/list", "--strict"
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    tools = {tool["name"]: tool for tool in json.loads(listed.stdout)["tools"]}
    assert list(tools) == [
        "search",
        "get_document",
        "team-notes__lookup",
        "team-notes__add_note",
        "team-notes__explode",
    ]
    assert tools["team-notes__lookup"]["inputSchema"]["required"] == ["q"]

    called = await asyncio.to_thread(
        _inspector,
        manager,
        tmp_path,
        "--method",
        "tools/call",
        "--tool-name",
        "team-notes__lookup",
        "--tool-arg",
        "q=storms",
    )
    assert called.returncode == 0, called.stdout + called.stderr
    result = json.loads(called.stdout)
    assert result["structuredContent"]["q"] == "storms"
    assert result.get("isError") in (None, False)

    # A wrong token: the Inspector reads the 401's Bearer challenge as a call to sign in.
    refused = await asyncio.to_thread(
        _inspector, manager, tmp_path, "--method", "tools/list", "--stored-auth-only", token="bad"
    )
    assert refused.returncode != 0
    assert "auth" in (refused.stdout + refused.stderr).lower()
