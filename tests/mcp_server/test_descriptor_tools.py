"""A descriptor's operations as MCP tools: its ``mcp_config`` names them, describes them and renames
their parameters, on ``/mcp`` and on the descriptor's own server, ``/mcp/<server_name>``; calls go
through the declarative runtime to a real API (json-server, installed from npm by the test set-up).
"""

from __future__ import annotations

import mcp_types as types
import pytest

from tests.chaos.harness import CONNECTOR_TOKEN, Processes, eventually
from tests.mcp_server.conftest import Manager, StartManager, mcp_client
from tests.support.http import free_port
from tests.support.thirdparty import JsonServerFactory, json_server_factory

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

__all__ = ["json_server_factory"]  # the fixture, used by name

DESCRIPTOR = """
metadata:
  name: "Team wiki"
  slug: "team-wiki"
  version: "1.0.0"
  description: "Notes of an open json-server API, as MCP tools."
  publisher: "Sluice tests"
  categories: [custom]
source_config:
  - key: base_url
    label: "Server URL"
authentication:
  - type: none
operations:
  - operation_id: list_notes
    endpoint: "{base_url}/notes"
    summary: "Every note"
    auth_type_ref: none
    tags: [read]
  - operation_id: get_note
    endpoint: "{base_url}/notes/{id}"
    summary: "One note"
    auth_type_ref: none
    parameters:
      - name: id
        location: path
        field_type: integer
        required: true
    tags: [read]
  - operation_id: create_note
    endpoint: "{base_url}/notes"
    method: POST
    summary: "Create a note"
    auth_type_ref: none
    parameters:
      - name: title
        location: body
        required: true
      - name: text
        location: body
    tags: [write]
mcp_config:
  enabled: true
  server_name: "wiki"
  server_description: "Read and write the team's wiki notes"
  route_mappings:
    - operation_id: get_note
      mcp_tool_name: "read_note"
      mcp_tool_description: "Read one wiki note by its number"
      parameter_mappings:
        id: "note_number"
    - operation_id: create_note
      mcp_tool_name: "write_note"
      mcp_tool_description: "Write a new wiki note"
"""


def _text(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def _runtime(procs: Processes, manager: Manager) -> None:
    env = {
        "SLUICE_MANAGER_URL": manager.url,
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_PORT": str(free_port()),
        "SLUICE_CONNECTOR_HOST": "127.0.0.1",
        "SLUICE_LISTEN_HOST": "127.0.0.1",
        "SLUICE_LOG_JSON": "true",
    }
    await procs.start(
        "runtime", ["-m", "sluice_connector_declarative"], env, procs.workdir / "rt.log"
    )


async def _push(manager: Manager) -> None:
    headers = {
        "Authorization": manager.headers["Authorization"],
        "Content-Type": "application/yaml",
    }
    async with manager.session.post(
        f"{manager.url}/api/descriptors?status=published", data=DESCRIPTOR, headers=headers
    ) as resp:
        assert resp.status == 201, await resp.text()


async def test_descriptor_operations_are_tools_with_their_mcp_names(
    procs: Processes, start_manager: StartManager, json_server_factory: JsonServerFactory
) -> None:
    api = json_server_factory({"notes": [{"id": 1, "title": "First", "text": "hello"}]})
    manager = await start_manager()
    await _runtime(procs, manager)
    await _push(manager)
    await eventually(lambda: manager.connector_online("declarative"), 30, "the runtime", procs)
    body = {
        "name": "Team Wiki",
        "descriptor": {"slug": "team-wiki", "version": "1.0.0"},
        "config": {"base_url": api.base_url},
    }
    status, source = await manager.call("POST", "/api/sources", body)
    assert status == 201, source

    async with mcp_client(f"{manager.url}/mcp") as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        # With route mappings, only the mapped operations are tools (list_notes is not).
        assert list(listed) == [
            "search",
            "get_document",
            "team-wiki__read_note",
            "team-wiki__write_note",
        ]
        read = listed["team-wiki__read_note"]
        assert read.description is not None
        assert read.description.startswith("Read one wiki note by its number")
        assert read.input_schema["properties"] == {"note_number": {"type": "integer"}}
        assert read.input_schema["required"] == ["note_number"]
        assert read.input_schema["additionalProperties"] is False

        got = await client.call_tool("team-wiki__read_note", {"note_number": 1})
        assert not got.is_error, _text(got)
        assert got.structured_content["status"] == 200
        assert got.structured_content["body"] == {"id": 1, "title": "First", "text": "hello"}

        # Refusals of the manager and of the API are tool errors with their reasons.
        own_name = await client.call_tool("team-wiki__read_note", {"id": 1})
        assert own_name.is_error
        assert "'id' (this tool calls it 'note_number')" in _text(own_name)
        wrong_type = await client.call_tool("team-wiki__read_note", {"note_number": "one"})
        assert wrong_type.is_error
        assert "parameters do not match operation 'get_note'" in _text(wrong_type)
        assert '"problems"' in _text(wrong_type)
        absent = await client.call_tool("team-wiki__read_note", {"note_number": 99})
        assert absent.is_error
        assert "404" in _text(absent)

        written = await client.call_tool(
            "team-wiki__write_note", {"title": "Second", "text": "from an agent"}
        )
        assert not written.is_error, _text(written)
        assert written.structured_content["status"] == 201

    # The descriptor's own server: its tools under their own names (and the note written above).
    async with mcp_client(f"{manager.url}/mcp/wiki", mode="legacy") as client:
        assert client.server_info is not None
        assert client.server_info.name == "wiki"
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert names == ["read_note", "write_note"]
        got = await client.call_tool("read_note", {"note_number": 2})
        assert got.structured_content["body"]["title"] == "Second"
