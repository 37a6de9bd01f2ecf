"""A running manager for MCP clients: real processes over real HTTP (``tests.chaos.harness``), the
SDK's ``notes`` test connector, and the ``mcp`` SDK's client over Streamable HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx2
import pytest
from mcp import Client
from mcp.client.session import MessageHandlerFnT
from mcp.client.streamable_http import streamable_http_client

from tests.chaos.harness import ADMIN_TOKEN, Proc, Processes, connector_env, manager_env
from tests.support.http import free_port, wait_for_json

NOTES_CREDENTIALS = {
    "provider": "notes",
    "auth_type": "api_key",
    "credentials": {"token": "notes-secret"},
}


@dataclass
class Manager:
    port: int
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """The admin API with the admin token: status and JSON body."""
        headers = self.headers
        async with self.session.request(method, self.url + path, json=body, headers=headers) as r:
            return r.status, await r.json(content_type=None)

    async def notes_source(self, name: str, **overrides: Any) -> str:
        body = {
            "name": name,
            "source_type": "notes",
            "config": {"team": "platform"},
            "credentials": NOTES_CREDENTIALS,
            **overrides,
        }
        status, created = await self.call("POST", "/api/sources", body)
        assert status == 201, created
        return str(created["id"])

    async def connector_online(self, connector_id: str) -> bool:
        status, connectors = await self.call("GET", "/api/connectors")
        return status == 200 and any(
            c["connector_id"] == connector_id and c["online"] for c in connectors
        )


@pytest.fixture
async def procs(db_url: str, tmp_path: Path) -> AsyncIterator[Processes]:
    processes = Processes(db_url, tmp_path)
    try:
        yield processes
    finally:
        await processes.stop_all()


StartManager = Callable[..., Awaitable[Manager]]


@pytest.fixture
async def start_manager(procs: Processes) -> AsyncIterator[StartManager]:
    """``await start_manager(SLUICE_X="...")``: a manager process with the chaos harness's
    settings, a 90 s registry TTL unless overridden and a quick tool-change check."""
    async with aiohttp.ClientSession() as session:

        async def start(**env: str) -> Manager:
            port = free_port()
            data_dir = procs.workdir / f"manager-{port}"
            data_dir.mkdir()
            values = {
                **manager_env(procs.db_url, port, data_dir),
                "SLUICE_REGISTRY_TTL_SECONDS": "90",
                "SLUICE_MCP_TOOLS_CHECK_SECONDS": "0.2",
                **env,
            }
            await procs.start(
                "manager", ["-m", "sluice_cli.main", "manager"], values, data_dir / "log"
            )
            await wait_for_json(f"http://127.0.0.1:{port}/health", timeout=30)
            return Manager(port, session)

        yield start


async def start_notes(procs: Processes, manager: Manager, name: str = "notes") -> Proc:
    """The notes connector, registered with ``manager`` every second."""
    env = {
        **connector_env(manager.port, free_port(), procs.workdir / f"{name}.jsonl"),
        "NOTES_REGISTRATION_INTERVAL": "1",
    }
    return await procs.start(name, ["-m", "tests.mcp_server.notes_connector"], env)


@contextlib.asynccontextmanager
async def mcp_client(
    url: str,
    *,
    mode: str = "auto",
    token: str = ADMIN_TOKEN,
    message_handler: MessageHandlerFnT | None = None,
) -> AsyncIterator[Client]:
    """The ``mcp`` SDK's client over Streamable HTTP, with the bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(transport, mode=mode, message_handler=message_handler) as client:
            yield client
