"""The §3.2 restrictions on an action's ``input_schema``, checked by the manager on registration."""

from __future__ import annotations

from typing import Any

_FORBIDDEN_SCHEMA_KEYS = frozenset(
    {"$ref", "$defs", "definitions", "if", "then", "else", "not"}
    | {"dependentRequired", "dependentSchemas"}
)


def input_schema_problem(schema: Any, path: str = "input_schema") -> str | None:
    """The first violation of the §3.2 ``input_schema`` restrictions, or None."""
    if path == "input_schema":
        if not isinstance(schema, dict):
            return f"{path} is not an object"
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                return f"{path}.{key} is not supported at the top level"
        if "type" in schema and schema["type"] != "object":
            return f"{path}.type must be object"
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in _FORBIDDEN_SCHEMA_KEYS:
                return f"{path}.{key} is not supported"
            problem = input_schema_problem(value, f"{path}.{key}")
            if problem:
                return problem
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            problem = input_schema_problem(value, f"{path}[{index}]")
            if problem:
                return problem
    return None
