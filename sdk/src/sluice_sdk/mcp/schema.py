"""A tool's ``inputSchema`` as an action's ``input_schema`` (protocol §3.2).

The manager refuses a whole manifest whose action schemas use ``$ref``/``$defs``, top-level
combinators or conditionals. Local references are inlined here (pydantic and zod emit them for
shared or nested models); a schema that still breaks a rule (a recursive model, a top-level
``anyOf``) raises ``UnsupportedSchema`` and its tool is left out, so one odd tool cannot keep the
rest from registering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from sluice_sdk.input_schema import input_schema_problem
from sluice_sdk.mcp.errors import UnsupportedSchema

EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}
_DEFINITIONS = ("$defs", "definitions")
_MAX_NODES = 20_000  # shared definitions inlined many times can grow a schema without bound


def action_input_schema(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """The schema with every local ``$ref`` replaced by its target; raises ``UnsupportedSchema``."""
    if not schema:
        return dict(EMPTY_OBJECT)
    root = dict(schema)
    inliner = _Inliner(root)
    inlined = inliner.inline({k: v for k, v in root.items() if k not in _DEFINITIONS}, ())
    problem = input_schema_problem(inlined)
    if problem is not None:
        raise UnsupportedSchema(problem)
    return inlined  # type: ignore[no-any-return]


class _Inliner:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.budget = _MAX_NODES

    def inline(self, node: Any, expanding: tuple[str, ...]) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise UnsupportedSchema("input_schema is too large once its $ref are inlined")
        if isinstance(node, list):
            return [self.inline(item, expanding) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return {key: self.inline(value, expanding) for key, value in node.items()}
        if ref in expanding:
            raise UnsupportedSchema(f"input_schema has a recursive $ref {ref}")
        target = self.inline(self.resolve(ref), (*expanding, ref))
        siblings = {k: self.inline(v, expanding) for k, v in node.items() if k != "$ref"}
        if not isinstance(target, dict):
            raise UnsupportedSchema(f"input_schema $ref {ref} does not name a schema")
        # Keywords beside a $ref (often a description) apply too (2019-09 and later).
        return {**target, **siblings}

    def resolve(self, ref: str) -> Any:
        """A JSON pointer within the tool's own schema (RFC 6901, in a URI fragment)."""
        if not ref.startswith("#"):
            raise UnsupportedSchema(f"input_schema $ref {ref} is not local")
        node: Any = self.root
        for token in unquote(ref[1:]).split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise UnsupportedSchema(f"input_schema $ref {ref} points nowhere")
        return node
