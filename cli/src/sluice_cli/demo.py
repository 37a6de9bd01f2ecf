"""The demo source of ``sluice up``: created over the admin API once the connector is online."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from sluice_cli.supervisor import Supervisor
from sluice_connector_filesystem.demo import demo_source

DEMO_NAME = demo_source(Path("."))["name"]


class DemoSetupError(Exception):
    """The demo source could not be created or its sync not started."""


@dataclass(frozen=True)
class Demo:
    source_id: str
    description: str


async def _json(resp: aiohttp.ClientResponse) -> Any:
    body = await resp.json(content_type=None)
    if resp.status >= 400:
        raise DemoSetupError(f"{resp.method} {resp.url.path}: HTTP {resp.status}: {body}")
    return body


async def _wait(
    check: Any,
    stop: threading.Event,
    supervisor: Supervisor,
    wait_seconds: float,
    what: str = "the manager and the connector",
) -> bool:
    deadline = time.monotonic() + wait_seconds
    while not stop.is_set() and supervisor.first_exited() is None:
        try:
            if await check():
                return True
        except (aiohttp.ClientError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise DemoSetupError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)
    return False


async def wait_healthy(
    url: str,
    what: str,
    *,
    stop: threading.Event,
    supervisor: Supervisor,
    wait_seconds: float = 60.0,
) -> bool:
    """Wait until ``url``/health answers 200. False when stopped or a child died meanwhile."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:

        async def healthy() -> bool:
            async with http.get(f"{url}/health") as resp:
                return resp.status == 200

        return await _wait(healthy, stop, supervisor, wait_seconds, what)


async def ensure_demo_source(
    manager_url: str,
    admin_token: str,
    root: Path,
    *,
    stop: threading.Event,
    supervisor: Supervisor,
    wait_seconds: float = 60.0,
) -> Demo | None:
    """Wait for the filesystem connector to be online, create the demo source if absent and start
    its first sync. None when interrupted."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    client_timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(headers=headers, timeout=client_timeout) as http:

        async def connector_online() -> bool:
            async with http.get(f"{manager_url}/api/connectors") as resp:
                if resp.status != 200:
                    return False
                body = await resp.json()
            return any(c["online"] and "filesystem" in c["source_types"] for c in body)

        if not await _wait(connector_online, stop, supervisor, wait_seconds):
            return None
        async with http.get(f"{manager_url}/api/sources") as resp:
            listing = await _json(resp)
        existing = [
            s
            for s in listing
            if s["name"] == DEMO_NAME and s["source_type"] == "filesystem" and not s["is_deleted"]
        ]
        if existing:
            return Demo(existing[0]["id"], "existing; synced on its schedule")
        async with http.post(f"{manager_url}/api/sources", json=demo_source(root)) as resp:
            created = await _json(resp)
        source_id = created["id"]
        async with http.post(
            f"{manager_url}/api/sources/{source_id}/sync", json={"sync_mode": "full"}
        ) as resp:
            started = await _json(resp)
        return Demo(source_id, f"created; first sync {started['sync_run_id']} started")
