"""The mcp_everything connector as a user meets it: real processes over real HTTP. The manager and
the connector (``python -m sluice_connector_mcp_everything``) run as processes; a source is created
through the admin API, and ``POST /api/sources/{id}/actions/echo`` runs server-everything's tool
over stdio and over streamable HTTP."""

from __future__ import annotations

import shlex
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.chaos.harness import (
    ADMIN_TOKEN,
    CONNECTOR_TOKEN,
    Processes,
    eventually,
)
from tests.support.http import free_port
from tests.support.mcp_servers import everything_command, everything_http
from tests.support.thirdparty import RunningServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

__all__ = ["everything_http"]  # the fixture, used by name


@pytest.fixture
async def procs(db_url: str, tmp_path: Path) -> AsyncIterator[Processes]:
    processes = Processes(db_url, tmp_path)
    try:
        yield processes
    finally:
        await processes.stop_all()


async def _manager(procs: Processes) -> int:
    """The chaos harness's manager, with the default registry TTL: the connector re-registers
    every 30 s (the SDK's default), so it stays online."""
    _, port = await procs.manager(SLUICE_REGISTRY_TTL_SECONDS="90")
    return port


async def _connector(procs: Processes, manager_port: int) -> None:
    env = {
        "SLUICE_MANAGER_URL": f"http://127.0.0.1:{manager_port}",
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_PORT": str(free_port()),
        "SLUICE_CONNECTOR_HOST": "127.0.0.1",
        "SLUICE_LISTEN_HOST": "127.0.0.1",
        "SLUICE_LOG_JSON": "true",
        "MCP_EVERYTHING_COMMAND": shlex.join(everything_command()),
    }
    await procs.start("connector", ["-m", "sluice_connector_mcp_everything"], env)


class Admin:
    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self.session = session
        self.url = f"http://127.0.0.1:{port}"
        self.headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(
            method, self.url + path, json=body, headers=self.headers
        ) as resp:
            return resp.status, await resp.json(content_type=None)


async def test_a_tool_runs_as_an_action_through_the_manager(
    procs: Processes, everything_http: RunningServer
) -> None:
    manager_port = await _manager(procs)
    await _connector(procs, manager_port)
    async with aiohttp.ClientSession() as session:
        admin = Admin(session, manager_port)

        async def online_with_tools() -> bool:
            status, connectors = await admin.call("GET", "/api/connectors")
            return status == 200 and any(
                c["online"] and any(a["name"] == "echo" for a in c["manifest"]["actions"])
                for c in connectors
            )

        await eventually(online_with_tools, 60, "the connector to register its tools", procs)

        sources = {}
        for transport, config in [
            ("stdio", {"transport": "stdio"}),
            ("http", {"transport": "http", "url": everything_http.url("/mcp")}),
        ]:
            status, source = await admin.call(
                "POST",
                "/api/sources",
                {
                    "name": f"everything over {transport}",
                    "source_type": "mcp_everything",
                    "config": config,
                    "credentials": {"auth_type": "api_key", "credentials": {"token": "s3cret"}},
                },
            )
            assert status == 201, source
            sources[transport] = source["id"]

        status, actions = await admin.call("GET", f"/api/sources/{sources['stdio']}/actions")
        assert status == 200, actions
        assert {"echo", "get-sum", "get-env"} <= {a["name"] for a in actions}

        for transport, source_id in sources.items():
            status, reply = await admin.call(
                "POST",
                f"/api/sources/{source_id}/actions/get-sum",
                {"params": {"a": 2, "b": 40}},
            )
            assert status == 200, (transport, reply, procs.dump())
            assert reply["status"] == "success"
            assert "42" in reply["result"]["text"]

            status, reply = await admin.call(
                "POST", f"/api/sources/{source_id}/actions/echo", {"params": {}}
            )
            assert (status, reply["status"]) == (400, "error"), (transport, reply)
            assert "Input validation error" in reply["error"]
