"""The example connector: conformance in process, then as a real process with a fake manager."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from typing import Any

import aiohttp
import pytest

from sluice_sdk import Connector
from sluice_sdk.testing import ConnectorConformance, ConnectorHarness, FakeManager
from tests.e2e.sdk_example.hello_connector import HelloConnector
from tests.support.http import free_port


class TestHelloConformance(ConnectorConformance):
    min_documents = 5

    def make_connector(self) -> Connector[Any, Any]:
        return HelloConnector()

    def source_config(self) -> dict[str, Any]:
        return {"count": 5}

    def bad_credentials(self) -> dict[str, Any] | None:
        return {"password": "wrong"}


async def test_hello_emits_greetings_with_protocol_shapes() -> None:
    async with ConnectorHarness(HelloConnector()) as h:
        result = await h.sync(h.add_source(config={"count": 3, "greeting": "Hi"}))
        texts = [h.fake.contents[e["content_id"]] for e in result.events]
    assert result.status == "completed"
    assert texts == ["Hi, person 0!", "Hi, person 1!", "Hi, person 2!"]
    assert result.events[0]["metadata"] == {"title": "Greeting 0", "size": "20"}
    assert result.run.scanned == 3
    assert result.checkpoints == [{"next": 2}]


@pytest.mark.e2e
async def test_hello_as_a_process_registers_syncs_and_stops_on_sigterm() -> None:
    async with FakeManager(token="tok", health_check=True) as fake:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env.update(
            {
                "CONNECTOR_MANAGER_URL": fake.url,
                "SLUICE_CONNECTOR_TOKEN": "tok",
                "SLUICE_CONNECTOR_HOST": "127.0.0.1",
                "SLUICE_LISTEN_HOST": "127.0.0.1",
                "PORT": str(port),
            }
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.sdk_example.hello_connector"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
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
            assert len(run.events) == 4
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.wait, 30)
    assert code == 0
