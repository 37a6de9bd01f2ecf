"""The example connector: conformance in process, then as a real process with a fake manager."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from sluice_sdk import Connector
from sluice_sdk.testing import ConnectorConformance, ConnectorHarness
from tests.e2e.sdk_example.as_process import check_hello_process
from tests.e2e.sdk_example.hello_connector import HelloConnector


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
    await check_hello_process([sys.executable, "-m", "tests.e2e.sdk_example.hello_connector"])
