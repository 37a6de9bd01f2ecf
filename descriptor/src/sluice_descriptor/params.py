"""An operation's parameters as an action's input: its JSON Schema, and checking a call's values.

``input_schema`` is flat (no ``$ref``, no combinators), as protocol §3.2 requires of an action's
``input_schema``. ``validated_params`` is what a call goes through; it accepts what the schema
describes plus two spellings that arrive as text from query strings and command lines: an integer
as decimal digits (``"5"``) and a boolean as ``"true"``/``"false"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sluice_descriptor.errors import DescriptorError
from sluice_descriptor.model import Operation
from sluice_descriptor.problems import Problem

_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_JSON_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "secret": {"type": "string", "format": "password", "writeOnly": True},
    "password": {"type": "string", "format": "password", "writeOnly": True},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "json": {},
}


class ParamError(DescriptorError):
    """The call's parameters break the operation's declaration; ``problems`` holds every fault."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in problems)
        )


def input_schema(operation: Operation) -> dict[str, Any]:
    """A flat JSON Schema object of the operation's parameters, with descriptions and defaults."""
    properties: dict[str, Any] = {}
    for parameter in operation.parameters:
        schema = dict(_JSON_TYPES[parameter.field_type])
        if parameter.description:
            schema["description"] = parameter.description
        if parameter.default_value is not None:
            schema["default"] = parameter.default_value
        if parameter.example is not None:
            schema["examples"] = [parameter.example]
        properties[parameter.name] = schema
    schema_object: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    required = [p.name for p in operation.parameters if p.required and p.default_value is None]
    if required:
        schema_object["required"] = required
    return schema_object


def validated_params(operation: Operation, params: Mapping[str, Any]) -> dict[str, Any]:
    """The values to call with: defaults applied, types checked and coerced, null meaning absent.

    Raises ``ParamError`` listing every unknown name, missing required parameter and wrong type.
    """
    problems: list[Problem] = []
    declared = {parameter.name: parameter for parameter in operation.parameters}
    problems += [
        Problem(name, f"unknown parameter of {operation.operation_id}")
        for name in params
        if name not in declared
    ]
    values: dict[str, Any] = {}
    for name, parameter in declared.items():
        value = params.get(name)
        if value is None:
            value = parameter.default_value
        if value is None:
            if parameter.required:
                problems.append(Problem(name, "required parameter is missing"))
            continue
        try:
            values[name] = coerce(parameter.field_type, value)
        except ValueError as exc:
            problems.append(Problem(name, str(exc)))
    if problems:
        raise ParamError(problems)
    return values


def coerce(kind: str, value: Any) -> Any:
    """The value as a parameter of type ``kind``; raises ``ValueError`` naming the expected type."""
    if kind == "json":
        return value
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError("expected an integer, got a boolean")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
            return int(value)
        raise ValueError(f"expected an integer, got {value!r}")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError(f"expected a boolean, got {value!r}")
    if isinstance(value, str):
        return value
    raise ValueError(f"expected a string, got {type(value).__name__}")
