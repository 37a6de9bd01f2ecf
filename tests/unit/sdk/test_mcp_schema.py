"""A tool's input schema as an action's input_schema (protocol §3.2): local $ref inlined, the rest
refused so the tool is left out rather than the manifest."""

from __future__ import annotations

from typing import Any

import pytest

from sluice_sdk.input_schema import input_schema_problem
from sluice_sdk.mcp import UnsupportedSchema, action_input_schema
from sluice_sdk.mcp.tools import tool_arguments


def test_a_missing_or_empty_schema_is_an_empty_object() -> None:
    assert action_input_schema(None) == {"type": "object", "properties": {}}
    assert action_input_schema({}) == {"type": "object", "properties": {}}


def test_a_flat_schema_is_kept_as_it_is() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
    }
    assert action_input_schema(schema) == schema


def test_local_refs_are_inlined_with_their_siblings_and_defs_dropped() -> None:
    schema = {
        "type": "object",
        "$defs": {
            "Period": {"type": "object", "properties": {"year": {"type": "integer"}}},
            "Query": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "period": {"$ref": "#/$defs/Period", "description": "when"},
                },
            },
        },
        "definitions": {"a/b~c": {"type": "string"}},
        "properties": {
            "query": {"$ref": "#/$defs/Query"},
            "odd": {"$ref": "#/definitions/a~1b~0c"},
            "again": {"$ref": "#/properties/odd"},
        },
    }
    inlined = action_input_schema(schema)
    assert inlined == {
        "type": "object",
        "properties": {
            "query": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "period": {
                        "type": "object",
                        "properties": {"year": {"type": "integer"}},
                        "description": "when",
                    },
                },
            },
            "odd": {"type": "string"},
            "again": {"type": "string"},
        },
    }
    assert input_schema_problem(inlined) is None


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        (
            {
                "type": "object",
                "$defs": {"Node": {"properties": {"kids": {"items": {"$ref": "#/$defs/Node"}}}}},
                "properties": {"node": {"$ref": "#/$defs/Node"}},
            },
            "recursive $ref #/$defs/Node",
        ),
        ({"properties": {"x": {"$ref": "https://example.com/x.json"}}}, "is not local"),
        ({"properties": {"x": {"$ref": "#/$defs/Missing"}}}, "points nowhere"),
        ({"anyOf": [{"type": "object"}]}, "input_schema.anyOf is not supported at the top level"),
        ({"properties": {"x": {"if": {}, "then": {}}}}, "input_schema.properties.x.if"),
        ({"type": "array"}, "input_schema.type must be object"),
    ],
)
def test_what_cannot_be_an_action_schema_is_refused(schema: dict[str, Any], reason: str) -> None:
    with pytest.raises(UnsupportedSchema, match=reason.replace("$", r"\$").replace(".", r"\.")):
        action_input_schema(schema)


def test_a_schema_that_explodes_when_inlined_is_refused() -> None:
    # Each level refers twice to the one below: 2**30 copies once inlined.
    defs = {
        f"L{i}": {
            "properties": {"a": {"$ref": f"#/$defs/L{i + 1}"}, "b": {"$ref": f"#/$defs/L{i + 1}"}}
        }
        for i in range(30)
    }
    defs["L30"] = {"type": "string"}
    with pytest.raises(UnsupportedSchema, match="too large"):
        action_input_schema({"$defs": defs, "properties": {"x": {"$ref": "#/$defs/L0"}}})


def test_config_copied_into_params_is_not_passed_to_the_tool() -> None:
    config = {"transport": "stdio", "message": "default"}
    params = {"transport": "stdio", "message": "hi", "extra": 1}
    # "message" is the tool's own parameter (the config gives its default, §3.6); "extra" the
    # caller's; "transport" only the config's.
    assert tool_arguments(params, frozenset({"message"}), config) == {"message": "hi", "extra": 1}
