"""The README's example connector against the real manager and indexer, all as processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.support.http import free_port, wait_for_json

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

ADMIN = "admin-e2e"
CONNECTOR = "connector-e2e"


@pytest.fixture
def processes(db_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    port, hello_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(
        {
            "SLUICE_DATABASE_URL": db_url,
            "SLUICE_PORT": str(port),
            "SLUICE_ADMIN_TOKEN": ADMIN,
            "SLUICE_CONNECTOR_TOKEN": CONNECTOR,
            "SLUICE_LOG_LEVEL": "warning",
        }
    )
    hello_env = {
        **{k: v for k, v in env.items() if k != "SLUICE_PORT"},
        "SLUICE_MANAGER_URL": f"http://127.0.0.1:{port}",
        "SLUICE_CONNECTOR_HOST": "127.0.0.1",
        "SLUICE_LISTEN_HOST": "127.0.0.1",
        "PORT": str(hello_port),
    }
    commands = [
        (["-m", "sluice_cli.main", "manager"], env),
        (["-m", "sluice_cli.main", "indexer"], env),
        (["-m", "tests.e2e.sdk_example.hello_connector"], hello_env),
    ]
    procs = [
        subprocess.Popen([sys.executable, *args], env=e, stderr=subprocess.DEVNULL)
        for args, e in commands
    ]
    try:
        yield f"http://127.0.0.1:{port}", env
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)
    assert [p.returncode for p in procs] == [0, 0, 0]


async def _until(check: Any, within: float = 60) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


async def test_hello_connector_syncs_through_the_real_manager(
    processes: tuple[str, dict[str, str]], db_url: str
) -> None:
    url, _ = processes
    await wait_for_json(f"{url}/health", timeout=60)
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with aiohttp.ClientSession(headers=headers) as api:

        async def hello_online() -> bool:
            async with api.get(f"{url}/api/connectors") as resp:
                return any(c["online"] and c["connector_id"] == "hello" for c in await resp.json())

        await _until(hello_online)
        body = {"name": "greetings", "source_type": "hello", "config": {"count": 6}}
        async with api.post(f"{url}/api/sources", json=body) as resp:
            assert resp.status == 201, await resp.text()
            source_id = (await resp.json())["id"]
        # The manifest's config_schema (from the pydantic config model) is enforced.
        bad = {"name": "bad", "source_type": "hello", "config": {"count": -1}}
        async with api.post(f"{url}/api/sources", json=bad) as resp:
            assert resp.status in (400, 422)
        async with api.post(f"{url}/api/sources/{source_id}/sync", json={}) as resp:
            assert resp.status == 202, await resp.text()
            run_id = (await resp.json())["sync_run_id"]

        async def run_done() -> dict[str, Any] | None:
            async with api.get(f"{url}/api/sync-runs/{run_id}") as resp:
                run: dict[str, Any] = await resp.json()
            return run if run["status"] != "running" else None

        run = await _until(run_done)
        assert run["status"] == "completed", run
        assert run["sync_type"] == "full"  # never synced before: incremental upgraded (§6.4)
        assert run["documents_emitted"] == 6
        async with api.get(f"{url}/api/sources/{source_id}") as resp:
            assert (await resp.json())["checkpoint"] == {"next": 6}

        async def found() -> list[dict[str, Any]]:
            params = {"q": '"person 5"', "source_id": source_id}
            async with api.get(f"{url}/api/search", params=params) as resp:
                hits: list[dict[str, Any]] = (await resp.json())["results"]
            return hits

        hits = await _until(found)
        assert hits[0]["external_id"] == "person-5"
        assert hits[0]["title"] == "Greeting 5"

        # A seventh person appears and a second full sync runs. The source's checkpoint says
        # {"next": 6}, but a fresh full run starts from none (§7.2, §10.7), so it lists all seven
        # and its pruning keeps every one of them.
        body = {"config": {"count": 7}}
        async with api.patch(f"{url}/api/sources/{source_id}", json=body) as resp:
            assert resp.status == 200, await resp.text()
        full = {"sync_mode": "full"}
        async with api.post(f"{url}/api/sources/{source_id}/sync", json=full) as resp:
            assert resp.status == 202, await resp.text()
            run_id = (await resp.json())["sync_run_id"]
        run = await _until(run_done)
        assert (run["status"], run["sync_type"]) == ("completed", "full")
        assert run["documents_emitted"] == 7
        db = await asyncpg.connect(db_url)
        try:

            async def indexed() -> bool:
                waiting = await db.fetchval(
                    "SELECT count(*) FROM event_queue WHERE source_id = $1"
                    " AND status IN ('pending', 'processing')",
                    source_id,
                )
                return bool(waiting == 0)

            await _until(indexed)  # the documents, then the sweep
        finally:
            await db.close()
        params = {"q": "person", "source_id": source_id, "limit": "50"}
        async with api.get(f"{url}/api/search", params=params) as resp:
            results = (await resp.json())["results"]
        assert sorted(r["external_id"] for r in results) == [f"person-{i}" for i in range(7)]
