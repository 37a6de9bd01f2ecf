"""An operation's parameters as an action input: the flat schema and checking a call's values."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from sluice_descriptor import ParamError, input_schema, validated_params
from sluice_descriptor.model import Operation

OPERATION = Operation.model_validate(
    {
        "operation_id": "search",
        "endpoint": "https://example.com/{id}",
        "summary": "Search",
        "auth_type_ref": "none",
        "parameters": [
            {"name": "id", "location": "path", "required": True},
            {"name": "limit", "location": "query", "field_type": "integer", "default_value": 50},
            {"name": "archived", "location": "query", "field_type": "boolean"},
            {"name": "filter", "location": "body", "field_type": "json", "description": "Any JSON"},
            {"name": "key", "location": "header", "field_type": "secret", "example": "k-123"},
        ],
    }
)


def test_input_schema_is_flat_and_typed() -> None:
    schema = input_schema(OPERATION)
    assert schema == {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "limit": {"type": "integer", "default": 50},
            "archived": {"type": "boolean"},
            "filter": {"description": "Any JSON"},
            "key": {
                "type": "string",
                "format": "password",
                "writeOnly": True,
                "examples": ["k-123"],
            },
        },
        "additionalProperties": False,
        "required": ["id"],
    }
    Draft202012Validator.check_schema(schema)
    text = str(schema)
    assert "$ref" not in text
    assert not {"anyOf", "oneOf", "allOf"} & set(schema)


def test_defaults_are_applied_and_text_spellings_coerced() -> None:
    assert validated_params(OPERATION, {"id": "A-1"}) == {"id": "A-1", "limit": 50}
    values = validated_params(
        OPERATION, {"id": "A-1", "limit": "5", "archived": "TRUE", "filter": {"a": [1]}}
    )
    assert values == {"id": "A-1", "limit": 5, "archived": True, "filter": {"a": [1]}}
    assert validated_params(OPERATION, {"id": "A", "limit": 7.0, "archived": None})["limit"] == 7


def test_every_fault_is_reported_at_once() -> None:
    with pytest.raises(ParamError) as caught:
        validated_params(OPERATION, {"limit": "five", "archived": 1, "key": 3, "color": "red"})
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("color", "unknown parameter of search"),
        ("id", "required parameter is missing"),
        ("limit", "expected an integer, got 'five'"),
        ("archived", "expected a boolean, got 1"),
        ("key", "expected a string, got int"),
    ]


def test_a_boolean_is_not_an_integer() -> None:
    with pytest.raises(ParamError, match="expected an integer, got a boolean"):
        validated_params(OPERATION, {"id": "x", "limit": True})
