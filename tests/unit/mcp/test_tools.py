"""Tool names, schemas and endpoints built from the sources that offer actions (docs/mcp.md)."""

from __future__ import annotations

from typing import Any

import mcp_types as types

from sluice_descriptor import Descriptor
from sluice_manager.actions.offered import operation_action
from sluice_manager.actions.sources import OfferingSource
from sluice_manager.mcp.tools import (
    ALL_TOOLS,
    MAX_NAME,
    build_tool_set,
    object_schema,
    slug,
    source_prefixes,
    tool_name,
)
from sluice_sdk.models import ActionDefinition

BUILTIN = types.Tool(name="search", input_schema={"type": "object"})


def _action(
    name: str, mode: str = "read", schema: dict[str, Any] | None = None
) -> ActionDefinition:
    return ActionDefinition.model_validate(
        {"name": name, "description": f"does {name}", "input_schema": schema or {}, "mode": mode}
    )


def _source(
    source_id: str, name: str, *actions: ActionDefinition, read_only: bool = False
) -> OfferingSource:
    return OfferingSource(source_id, name, "widgets", "conn", actions, read_only)


def _descriptor(mcp_config: dict[str, Any] | None) -> Descriptor:
    document: dict[str, Any] = {
        "metadata": {
            "name": "Wiki",
            "slug": "wiki",
            "description": "A wiki of the team's notes.",
            "publisher": "tests",
        },
        "authentication": [{"type": "none"}],
        "operations": [
            {
                "operation_id": "get_page",
                "endpoint": "https://wiki.example/pages/{id}",
                "summary": "One page",
                "auth_type_ref": "none",
                "parameters": [
                    {"name": "id", "location": "path", "field_type": "integer", "required": True}
                ],
            },
            {
                "operation_id": "edit_page",
                "endpoint": "https://wiki.example/pages",
                "method": "POST",
                "summary": "Edit a page",
                "auth_type_ref": "none",
            },
        ],
    }
    if mcp_config is not None:
        document["mcp_config"] = mcp_config
    return Descriptor.model_validate(document)


def _declarative(source_id: str, name: str, descriptor: Descriptor, **kw: Any) -> OfferingSource:
    actions = tuple(operation_action(op) for op in descriptor.operations)
    return OfferingSource(
        source_id, name, "declarative", "runtime", actions, kw.get("read_only", False), descriptor
    )


def test_slugs_and_names_keep_to_the_characters_and_length_clients_accept() -> None:
    assert slug("Team Notes (EU) — 2026!") == "team-notes-eu-2026"
    assert slug("日本語") == "source"
    assert tool_name("team-notes", "look up/now") == "team-notes__look_up_now"
    long = tool_name("a" * 24, "b" * 80)
    assert len(long) == MAX_NAME
    assert long != tool_name("a" * 24, "b" * 79 + "c")  # shortened names stay distinct


def test_sources_with_the_same_slug_are_told_apart_by_their_ids() -> None:
    sources = [
        _source("01AAAAAAAAAAAAAAAAAAAAAAAA", "Notes"),
        _source("01BBBBBBBBBBBBBBBBBBBBQ7ZK", "notes!"),
        _source("01CCCCCCCCCCCCCCCCCCCCCCCC", "Other"),
    ]
    assert source_prefixes(sources) == {
        "01AAAAAAAAAAAAAAAAAAAAAAAA": "notes",  # the oldest keeps the plain slug
        "01BBBBBBBBBBBBBBBBBBBBQ7ZK": "notes-bbq7zk",
        "01CCCCCCCCCCCCCCCCCCCCCCCC": "other",
    }


def test_input_schemas_are_objects_with_renamed_parameters() -> None:
    assert object_schema({}, {}) == {"type": "object"}
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    assert object_schema(schema, {"id": "page"}) == {
        "type": "object",
        "properties": {"page": {"type": "integer"}},
        "required": ["page"],
    }
    assert schema["properties"] == {"id": {"type": "integer"}}  # the action's own is unchanged


def test_every_action_of_every_source_is_a_tool_of_mcp_but_writes_of_read_only_sources() -> None:
    sources = [
        _source("s1", "Team Notes", _action("lookup"), _action("add", "write")),
        _source("s2", "Archive", _action("lookup"), _action("add", "write"), read_only=True),
        _source("s3", "Hidden", _action("x", schema={"type": "object", "properties": {}})),
    ]
    tool_set = build_tool_set(sources, [BUILTIN], "all")
    assert list(tool_set.endpoints) == [ALL_TOOLS]
    endpoint = tool_set.endpoints[ALL_TOOLS]
    assert list(endpoint.tools) == [
        "team-notes__lookup",
        "team-notes__add",
        "archive__lookup",
        "hidden__x",
    ]
    add = endpoint.tools["team-notes__add"]
    assert (add.source_id, add.action) == ("s1", "add")
    assert add.tool.description == 'does add (write action of the widgets source "Team Notes")'
    assert add.tool.annotations == types.ToolAnnotations(read_only_hint=False)
    assert add.tool.input_schema == {"type": "object"}


def test_digests_change_with_what_a_client_would_list() -> None:
    one = [_source("s1", "Team Notes", _action("lookup"))]
    same = build_tool_set(one, [BUILTIN], "all").endpoints[ALL_TOOLS].digest
    assert build_tool_set(one, [BUILTIN], "all").endpoints[ALL_TOOLS].digest == same
    two = [*one, _source("s2", "Other", _action("lookup"))]
    assert build_tool_set(two, [BUILTIN], "all").endpoints[ALL_TOOLS].digest != same
    renamed = [_source("s1", "Team Notebook", _action("lookup"))]
    assert build_tool_set(renamed, [BUILTIN], "all").endpoints[ALL_TOOLS].digest != same


def test_a_descriptor_without_mcp_config_offers_every_operation_on_mcp_only() -> None:
    wiki = _declarative("s1", "Wiki", _descriptor(None))
    tool_set = build_tool_set([wiki], [], "all")
    assert list(tool_set.endpoints) == [ALL_TOOLS]
    assert list(tool_set.endpoints[ALL_TOOLS].tools) == ["wiki__get_page", "wiki__edit_page"]


def test_route_mappings_name_describe_and_rename_and_serve_the_descriptor_server() -> None:
    config = {
        "enabled": True,
        "server_name": "wiki-mcp",
        "server_description": "The team wiki",
        "route_mappings": [
            {
                "operation_id": "get_page",
                "mcp_tool_name": "read_page",
                "mcp_tool_description": "Read a wiki page",
                "parameter_mappings": {"id": "page_number"},
            }
        ],
    }
    wiki = _declarative("s1", "Wiki", _descriptor(config))
    tool_set = build_tool_set([wiki], [], "all")
    assert list(tool_set.endpoints[ALL_TOOLS].tools) == ["wiki__read_page"]  # edit_page unmapped
    server = tool_set.endpoints["wiki-mcp"]
    assert server.description == "The team wiki"
    [(name, tool)] = server.tools.items()
    assert name == "read_page"
    assert tool.tool.description == "Read a wiki page"
    assert tool.tool.input_schema["properties"] == {"page_number": {"type": "integer"}}
    assert tool.params({"page_number": 3}) == {"id": 3}
    assert tool.renamed_away({"id": 3, "page_number": 3}) == ["id"]

    # Two sources on one server: the names say which source.
    second = _declarative("s2", "Wiki Staging", _descriptor(config))
    shared = build_tool_set([wiki, second], [], "all").endpoints["wiki-mcp"]
    assert list(shared.tools) == ["wiki__read_page", "wiki-staging__read_page"]


def test_disabled_or_unmapped_mcp_config() -> None:
    disabled = {"enabled": False, "server_name": "w", "server_description": "d"}
    tool_set = build_tool_set([_declarative("s1", "Wiki", _descriptor(disabled))], [], "all")
    assert list(tool_set.endpoints) == [ALL_TOOLS]
    everything = {"enabled": True, "server_name": "w", "server_description": "d"}
    wiki = _declarative("s1", "Wiki", _descriptor(everything), read_only=True)
    tool_set = build_tool_set([wiki], [], "all")
    assert list(tool_set.endpoints["w"].tools) == ["get_page"]  # edit_page writes
