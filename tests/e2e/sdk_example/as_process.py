"""The hello connector as a real process against the SDK's fake manager.

Shared by ``test_hello.py`` (the workspace's Python) and ``tests/packaging`` (a fresh virtual
environment holding the SDK alone), so both prove the same thing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from sluice_sdk.testing import FakeManager
from tests.support.http import free_port

HELLO_CONNECTOR = Path(__file__).with_name("hello_connector.py")


async def check_hello_process(command: Sequence[str], *, cwd: Path | None = None) -> None:
    """Start ``command`` (the hello connector); it must register, run a full sync of four
    greetings and exit 0 on SIGTERM. Its stderr is shown if the test fails."""
    async with FakeManager(token="tok", health_check=True) as fake:
        port = free_port()
        # Nothing from the test's environment decides where the process finds its modules.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLUICE_", "PYTHONPATH"))}
        env.update(
            {
                "CONNECTOR_MANAGER_URL": fake.url,
                "SLUICE_CONNECTOR_TOKEN": "tok",
                "SLUICE_CONNECTOR_HOST": "127.0.0.1",
                "SLUICE_LISTEN_HOST": "127.0.0.1",
                "PORT": str(port),
            }
        )
        with tempfile.TemporaryFile() as stderr:
            proc = subprocess.Popen(
                list(command), env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr
            )
            try:
                await _registers_and_syncs(fake, port)
            finally:
                proc.send_signal(signal.SIGTERM)
                code = await asyncio.to_thread(proc.wait, 30)
                stderr.seek(0)
                sys.stderr.write(stderr.read().decode(errors="replace"))  # pytest shows it
    assert code == 0


async def _registers_and_syncs(fake: FakeManager, port: int) -> None:
    await fake.wait_until(lambda: bool(fake.registrations), within=30)
    manifest = fake.registrations[0]
    assert manifest.connector_url == f"http://127.0.0.1:{port}"
    assert manifest.connector_id == "hello"
    source = fake.add_source("hello", config={"count": 4})
    run = fake.create_run(source.id, "full")
    body = {"sync_run_id": run.id, "source_id": source.id, "sync_mode": "full"}
    async with (
        aiohttp.ClientSession(headers={"Authorization": "Bearer tok"}) as session,
        session.post(f"{manifest.connector_url}/sync", json=body) as resp,
    ):
        assert resp.status == 200
        assert (await resp.json())["status"] == "started"
    await fake.wait_for_run_end(run.id, within=30)
    assert run.status == "completed"
    texts = [fake.contents[event["content_id"]] for event in run.events]
    assert texts == [f"Hello, person {i}!" for i in range(4)]
