"""A connector that wraps an MCP server (``sluice_sdk.mcp``), served for real against the fake
manager: its tools discovered before registration and advertised as actions, each ``POST /action``
a tool call in a session of its own on a real stdio server (the official Python SDK's, in
``mcp_schemas_server.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel
from structlog.testing import capture_logs

from sluice_sdk import Connector, action
from sluice_sdk.connector import ActionContext
from sluice_sdk.input_schema import input_schema_problem
from sluice_sdk.mcp import McpNotInstalled, StdioMcpServer
from sluice_sdk.models import ConnectorManifest, SyncMode
from sluice_sdk.server import ConnectorServer
from sluice_sdk.testing import FakeManager
from tests.integration.sdk.conftest import make_server
from tests.support.mcp_servers import action_request, post_action

SCHEMAS_SERVER = Path(__file__).with_name("mcp_schemas_server.py")


class SchemasConfig(BaseModel):
    enabled: bool = True
    timeout: float = 30.0


class SchemasCredentials(BaseModel):
    token: str = ""


class Nothing(BaseModel):
    pass


class SchemasConnector(Connector[SchemasConfig, SchemasCredentials]):
    name = "schemas"
    source_types: ClassVar[list[str]] = ["schemas"]
    sync_modes: ClassVar[list[SyncMode]] = []
    config_model = SchemasConfig
    credentials_model = SchemasCredentials

    def __init__(self, *, program: str = sys.executable) -> None:
        self.program = program

    def mcp_server(
        self, config: SchemasConfig | None, credentials: SchemasCredentials | None
    ) -> StdioMcpServer | None:
        config = config or SchemasConfig()
        if not config.enabled:
            return None
        env = {"SCHEMAS_TOKEN": credentials.token} if credentials else {}
        return StdioMcpServer(
            self.program, [str(SCHEMAS_SERVER)], env=env, timeout_seconds=config.timeout
        )

    @action("whoami", Nothing, description="hand-written", mode="read")
    async def whoami(self, params: Nothing, ctx: ActionContext[Any, Any]) -> Any:
        return "the connector"


async def started(
    fake: FakeManager, connector: Connector[Any, Any], registration_interval: float = 30.0
) -> ConnectorServer:
    """Served; its first registration follows the discovery of its tools."""
    server = make_server(fake, connector, registration_interval=registration_interval)
    await server.start()
    return server


async def registered_with(fake: FakeManager, action_name: str) -> ConnectorManifest:
    await fake.wait_until(lambda: any(m.action(action_name) for m in fake.registrations), within=30)
    return next(m for m in fake.registrations if m.action(action_name))


async def test_tools_become_actions_with_inlined_schemas(fake: FakeManager) -> None:
    with capture_logs() as logs:
        server = await started(fake, SchemasConnector())
        try:
            manifest = await registered_with(fake, "lookup")
        finally:
            await server.stop()
    assert {a.name for a in manifest.actions} == {"lookup", "refuse", "wait", "whoami"}
    for definition in manifest.actions:
        assert input_schema_problem(definition.input_schema) is None, definition.name
    lookup = manifest.action("lookup")
    assert lookup is not None
    assert lookup.description == "Find by text within a year"
    period = lookup.input_schema["properties"]["query"]["properties"]["period"]
    assert period["properties"]["year"]["type"] == "integer"
    # The hand-written action wins over the tool of the same name.
    assert manifest.action("whoami") == SchemasConnector.actions["whoami"].definition()
    events = {(e["event"], e.get("tool")) for e in logs}
    assert ("mcp_tool_skipped", "tree") in events  # a recursive model cannot be inlined
    assert ("mcp_tool_shadowed", "whoami") in events
    assert ("mcp_tools_discovered", None) in events


async def test_an_action_call_is_a_tool_call(fake: FakeManager) -> None:
    source = fake.add_source("schemas", credentials={"token": "t-1"})
    server = await started(fake, SchemasConnector())
    try:
        await registered_with(fake, "lookup")
        query = {"query": {"text": "rivers", "period": {"year": 2024}}}
        status, reply = await post_action(server.url, action_request(source, "lookup", query))
        assert (status, reply["status"]) == (200, "success"), reply
        assert reply["result"]["text"] == "rivers in 2024"
        assert reply["result"]["content"] == [{"type": "text", "text": "rivers in 2024"}]
        assert reply["result"]["structured_content"] == {"result": "rivers in 2024"}

        status, reply = await post_action(
            server.url, action_request(source, "refuse", {"reason": "no"})
        )
        assert (status, reply["status"]) == (400, "error")
        assert "refused: no" in reply["error"]

        status, reply = await post_action(server.url, action_request(source, "nope"))
        assert (status, reply["status"]) == (404, "error")
    finally:
        await server.stop()


async def test_a_source_can_disable_its_server(fake: FakeManager) -> None:
    source = fake.add_source("schemas", config={"enabled": False})
    server = await started(fake, SchemasConnector())
    try:
        await registered_with(fake, "lookup")
        status, reply = await post_action(
            server.url, action_request(source, "refuse", {"reason": "x"})
        )
    finally:
        await server.stop()
    assert (status, reply["status"]) == (400, "error")
    assert reply["error"].startswith("configuration: MCP is disabled for source")


async def test_a_call_that_outlives_its_timeout_is_a_transient_error(fake: FakeManager) -> None:
    source = fake.add_source("schemas", config={"timeout": 2})
    server = await started(fake, SchemasConnector())
    try:
        await registered_with(fake, "wait")
        status, reply = await post_action(
            server.url, action_request(source, "wait", {"seconds": 60})
        )
    finally:
        await server.stop()
    assert (status, reply["status"]) == (400, "error")
    assert reply["error"].startswith("transient: MCP server")
    assert "did not answer within 2" in reply["error"]


async def test_discovery_failing_at_startup_is_retried(fake: FakeManager) -> None:
    connector = SchemasConnector(program="/nonexistent/python")
    with capture_logs() as logs:
        server = await started(fake, connector, registration_interval=0.05)
        try:
            await fake.wait_until(lambda: len(fake.registrations) >= 2)
            # Registered without the tools meanwhile: the hand-written action only.
            assert [a.name for a in fake.registrations[0].actions] == ["whoami"]
            connector.program = sys.executable
            await registered_with(fake, "lookup")
        finally:
            await server.stop()
    failures = [e for e in logs if e["event"] == "mcp_discovery_failed"]
    assert failures
    assert "cannot start MCP server /nonexistent/python" in failures[0]["error"]


async def test_without_the_mcp_extra_the_server_does_not_start(
    fake: FakeManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mcp", None)  # what find_spec reports for a missing package
    server = make_server(fake, SchemasConnector())
    with pytest.raises(McpNotInstalled, match=r"sluice-sdk\[mcp\]"):
        await server.start()
    await server.stop()
    assert not fake.registrations
