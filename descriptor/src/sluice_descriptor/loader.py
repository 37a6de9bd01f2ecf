"""Reading a descriptor file: YAML 1.2 (JSON is a subset) through ruamel.yaml, keeping every node's
line and column so that each problem points into the text.

Duplicate keys are refused, each one reported with its position, before anything is built from the
text: YAML would silently keep one of the two values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sluice_descriptor.problems import Problem, Validation, render_path
from sluice_descriptor.validate import validate_data

__all__ = ["load_path", "load_text", "parse_text"]

_MERGE_TAG = "tag:yaml.org,2002:merge"


MAX_DEPTH = 64
"""The deepest nesting of mappings and lists a descriptor may have by default: the manager's
limit on a stored JSON value (protocol §1.3), which it passes as ``max_depth``."""


def load_text(
    text: str, *, filename: str = "<descriptor>", max_depth: int = MAX_DEPTH
) -> Validation:
    """Parse and validate a descriptor's YAML or JSON text; every problem is reported."""
    data, problems = parse_text(text, max_depth=max_depth)
    if problems:
        return Validation(None, problems, filename)
    validation = validate_data(data)
    return Validation(validation.descriptor, validation.problems, filename)


def load_path(path: str | os.PathLike[str]) -> Validation:
    """``load_text`` of a file (UTF-8); an unreadable file is one problem."""
    filename = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Validation(None, [Problem("", f"cannot read the file: {exc}")], filename)
    return load_text(text, filename=filename)


def parse_text(text: str, *, max_depth: int = MAX_DEPTH) -> tuple[Any, list[Problem]]:
    """The round-trip tree (mappings carry ``.lc`` positions), or the problems that stop parsing."""
    yaml = YAML(typ="rt")
    too_deep = Problem("", f"nests deeper than {max_depth} levels")
    try:
        node = yaml.compose(text)
        if node is None:
            return None, [Problem("", "the descriptor is empty", 1, 1)]
        deepest = _deeper_than(node, max_depth)
        if deepest is not None:
            line, column = _position(deepest)
            return None, [Problem("", too_deep.message, line, column)]
        duplicates = _duplicate_keys(node)
        if duplicates:
            return None, duplicates
        if not isinstance(node, MappingNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a single value"
            line, column = _position(node)
            return None, [
                Problem("", f"a descriptor is a mapping of sections, found {kind}", line, column)
            ]
        return yaml.constructor.construct_document(node), []
    except RecursionError:
        # ruamel.yaml composes and constructs recursively, and has no depth limit of its own.
        return None, [too_deep]
    except MarkedYAMLError as exc:
        return None, [_syntax_problem(exc)]
    except YAMLError as exc:  # pragma: no cover - every ruamel parse error carries a mark
        return None, [Problem("", f"not YAML: {exc}")]


def _syntax_problem(exc: MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or "invalid YAML"
    if exc.context:
        message = f"{message} ({exc.context})"
    if mark is None:  # pragma: no cover - ruamel sets at least one mark
        return Problem("", message)
    return Problem("", message, mark.line + 1, mark.column + 1)


def _position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _deeper_than(root: Node, max_depth: int) -> Node | None:
    """The first mapping or list found beyond ``max_depth`` levels, or None."""
    pending: list[tuple[Node, int]] = [(root, 1)]
    seen: set[int] = set()
    while pending:
        node, level = pending.pop()
        if not isinstance(node, MappingNode | SequenceNode) or id(node) in seen:
            continue
        if level > max_depth:
            return node
        seen.add(id(node))
        if isinstance(node, MappingNode):
            pending.extend((part, level + 1) for pair in node.value for part in pair)
        else:
            pending.extend((item, level + 1) for item in node.value)
    return None


def _duplicate_keys(root: Node) -> list[Problem]:
    """Every key that repeats within its mapping, at the repeated occurrence."""
    problems: list[Problem] = []
    pending: list[tuple[Node, tuple[str | int, ...]]] = [(root, ())]
    seen_nodes: set[int] = set()
    while pending:
        node, loc = pending.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first_line: dict[tuple[str, str], int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                    continue
                key = (str(key_node.tag), str(key_node.value))
                if key in first_line:
                    line, column = _position(key_node)
                    problems.append(
                        Problem(
                            render_path((*loc, str(key_node.value))),
                            f"duplicate key {key_node.value!r} (first on line {first_line[key]})",
                            line,
                            column,
                        )
                    )
                else:
                    first_line[key] = key_node.start_mark.line + 1
                pending.append((value_node, (*loc, str(key_node.value))))
        elif isinstance(node, SequenceNode):
            pending.extend((item, (*loc, index)) for index, item in enumerate(node.value))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems
