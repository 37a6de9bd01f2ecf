"""JSONPath (RFC 9535) through python-jsonpath in strict mode, compiled once per expression."""

from __future__ import annotations

import functools
from typing import Any

import jsonpath

from sluice_descriptor.errors import DescriptorError

__all__ = ["JsonPathError", "compile_path", "first", "values"]

_ENVIRONMENT = jsonpath.JSONPathEnvironment(strict=True)

CompiledPath = jsonpath.JSONPath | jsonpath.CompoundJSONPath


class JsonPathError(DescriptorError):
    """An expression that is not RFC 9535 JSONPath."""

    def __init__(self, expression: str, reason: str) -> None:
        self.expression = expression
        self.reason = reason
        super().__init__(f"invalid JSONPath {expression!r}: {reason}")


@functools.lru_cache(maxsize=2048)
def compile_path(expression: str) -> CompiledPath:
    """The compiled expression; raises ``JsonPathError``."""
    try:
        return _ENVIRONMENT.compile(expression)
    except jsonpath.JSONPathError as exc:
        reason = str(exc.args[0]) if exc.args else str(exc)
        raise JsonPathError(expression, reason.splitlines()[0]) from exc


def values(expression: str, data: Any) -> list[Any]:
    """Every value the expression selects, in document order."""
    return list(compile_path(expression).findall(data))


def first(expression: str, data: Any) -> Any:
    """The first selected value, or None when nothing is selected."""
    match = compile_path(expression).match(data)
    return None if match is None else match.obj
