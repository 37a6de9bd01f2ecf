"""The mcp_everything connector against the real ``@modelcontextprotocol/server-everything``
(from npm), over stdio and over streamable HTTP: its tools are the manifest's actions, and each
``POST /action`` is a tool call (served for real against the fake manager)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from sluice_connector_mcp_everything.connector import EverythingConnector
from sluice_sdk.input_schema import input_schema_problem
from sluice_sdk.mcp import HttpMcpServer, StdioMcpServer
from sluice_sdk.models import ConnectorManifest
from sluice_sdk.server import ConnectorServer
from sluice_sdk.testing import FakeManager, FakeSource
from tests.integration.sdk.conftest import make_server
from tests.support.mcp_servers import (
    action_request,
    everything_command,
    everything_http,
    post_action,
)
from tests.support.thirdparty import RunningServer

__all__ = ["everything_http"]  # the fixture, used by name


@pytest.fixture
async def fake() -> AsyncIterator[FakeManager]:
    async with FakeManager(health_check=True) as manager:
        yield manager


@pytest.fixture
async def served(fake: FakeManager) -> AsyncIterator[tuple[ConnectorServer, ConnectorManifest]]:
    server = make_server(fake, EverythingConnector(everything_command()))
    await server.start()
    try:
        await fake.wait_until(lambda: bool(server.connector.mcp_tools), within=60)
        await fake.wait_until(lambda: any(m.action("echo") for m in fake.registrations))
        yield server, next(m for m in fake.registrations if m.action("echo"))
    finally:
        await server.stop()


@pytest.fixture(params=["stdio", "http"])
def source(
    request: pytest.FixtureRequest, fake: FakeManager, everything_http: RunningServer
) -> FakeSource:
    config = {"transport": "http", "url": everything_http.url("/mcp")}
    return fake.add_source(
        "mcp_everything",
        config={"transport": "stdio"} if request.param == "stdio" else config,
        credentials={"token": "s3cret"},
    )


def test_the_server_follows_the_source_config() -> None:
    connector = EverythingConnector(["node", "/srv/everything.js"])
    config = connector.config_model.model_validate({"transport": "http", "url": "http://h/mcp"})
    credentials = connector.credentials_model.model_validate({"token": "t"})
    assert connector.mcp_server(config, credentials) == HttpMcpServer(
        "http://h/mcp", headers={"Authorization": "Bearer t"}
    )
    # Discovery, without a source: the stdio server, with no credentials in its environment.
    assert connector.mcp_server(None, None) == StdioMcpServer(
        "node", ["/srv/everything.js", "stdio"]
    )


async def test_its_tools_are_the_manifest_actions(
    served: tuple[ConnectorServer, ConnectorManifest],
) -> None:
    _, manifest = served
    assert manifest.sync_modes == []
    names = {a.name for a in manifest.actions}
    assert {"echo", "get-sum", "get-env", "get-structured-content"} <= names
    for definition in manifest.actions:
        assert input_schema_problem(definition.input_schema) is None, definition.name
    echo = manifest.action("echo")
    assert echo is not None
    assert echo.description == "Echoes back the input string"
    assert echo.mode == "read"  # readOnlyHint
    assert echo.input_schema["required"] == ["message"]
    assert manifest.action("toggle-simulated-logging").mode == "write"  # type: ignore[union-attr]


async def test_echo_and_a_tool_error(
    served: tuple[ConnectorServer, ConnectorManifest], source: FakeSource
) -> None:
    server, _ = served
    status, reply = await post_action(
        server.url, action_request(source, "echo", {"message": "hello"})
    )
    assert (status, reply) == (
        200,
        {
            "status": "success",
            "result": {"text": "Echo: hello", "content": [{"type": "text", "text": "Echo: hello"}]},
        },
    )
    status, reply = await post_action(
        server.url, action_request(source, "get-structured-content", {"location": "Chicago"})
    )
    assert status == 200, reply
    assert set(reply["result"]["structured_content"]) == {"temperature", "conditions", "humidity"}
    # The server refuses arguments that do not fit the tool's schema with isError.
    status, reply = await post_action(server.url, action_request(source, "echo", {}))
    assert (status, reply["status"]) == (400, "error")
    assert "Input validation error" in reply["error"]


async def test_stdio_credentials_reach_the_server_environment_only(
    served: tuple[ConnectorServer, ConnectorManifest], fake: FakeManager
) -> None:
    server, _ = served
    source = fake.add_source("mcp_everything", credentials={"token": "s3cret"})
    status, reply = await post_action(server.url, action_request(source, "get-env"))
    assert status == 200, reply
    env = json.loads(reply["result"]["text"])
    assert env["EVERYTHING_TOKEN"] == "s3cret"
    # The connector's own settings (SLUICE_*) are not passed on.
    assert not [name for name in env if name.startswith("SLUICE_")]


async def test_an_unreachable_http_server_is_a_transient_error(
    served: tuple[ConnectorServer, ConnectorManifest], fake: FakeManager
) -> None:
    server, _ = served
    source = fake.add_source(
        "mcp_everything", config={"transport": "http", "url": "http://127.0.0.1:9/mcp"}
    )
    status, reply = await post_action(server.url, action_request(source, "echo", {"message": "x"}))
    assert (status, reply["status"]) == (400, "error")
    assert reply["error"].startswith("transient: MCP server http://127.0.0.1:9/mcp failed")
