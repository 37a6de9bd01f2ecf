"""Validating descriptor data: the models' structural rules, then the rules relating one part of a
descriptor to another (``checks.py``). Every problem carries its path and, when the data came from
``loader.parse_text``, its line and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sluice_descriptor.model import Descriptor
from sluice_descriptor.problems import Loc, Problem, Validation, render_path

__all__ = ["Locator", "Problem", "Validation", "validate_data"]


def validate_data(data: Any) -> Validation:
    """Validate parsed descriptor data (plain JSON values, or ruamel's tree for positions)."""
    locator = Locator(data)
    if not isinstance(data, Mapping):
        line, column = locator.position(())
        return Validation(
            None, [Problem("", "a descriptor is a mapping of sections", line, column)]
        )
    try:
        descriptor = Descriptor.model_validate(plain(data))
    except ValidationError as exc:
        return Validation(None, _in_text_order([_model_problem(e, locator) for e in exc.errors()]))
    from sluice_descriptor.checks import check_descriptor

    problems = _in_text_order(check_descriptor(descriptor, locator))
    return Validation(None if problems else descriptor, problems)


def _in_text_order(problems: list[Problem]) -> list[Problem]:
    """Sorted by position (a stable sort: data without positions keeps the checks' order)."""
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def plain(value: Any) -> Any:
    """ruamel's round-trip values as plain JSON-like Python (dates become ISO 8601 text)."""
    if isinstance(value, Mapping):
        return {str(key): plain(member) for key, member in value.items()}
    if isinstance(value, list | tuple):
        return [plain(member) for member in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Locator:
    """Line and column (1-based) of a path in ruamel's tree; None for data without positions."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def problem(self, loc: Loc, message: str, *, at_key: bool = False) -> Problem:
        line, column = self.position(loc, at_key=at_key)
        return Problem(render_path(loc), message, line, column)

    def position(
        self, loc: Sequence[str | int], *, at_key: bool = False
    ) -> tuple[int | None, int | None]:
        """The value at ``loc`` (its key with ``at_key``); for a key that is absent, its mapping."""
        node = self.root
        where = _own_position(node)
        for index, segment in enumerate(loc):
            last = index == len(loc) - 1
            lc = getattr(node, "lc", None)
            if isinstance(node, Mapping) and isinstance(segment, str):
                if segment not in node:
                    if last:
                        break
                    continue  # a pydantic union tag, not a key
                if lc is not None:
                    where = _one_based(lc.key(segment) if last and at_key else lc.value(segment))
                node = node[segment]
            elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
                if lc is not None:
                    where = _one_based(lc.item(segment))
                node = node[segment]
            else:
                break
            own = _own_position(node)
            if own != (None, None) and not (last and at_key):
                where = own
        return where


def _own_position(node: Any) -> tuple[int | None, int | None]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None, None
    return lc.line + 1, lc.col + 1


def _one_based(pair: Any) -> tuple[int | None, int | None]:
    if not pair or pair[0] is None:
        return None, None
    return int(pair[0]) + 1, int(pair[1]) + 1


def _model_problem(error: ErrorDetails, locator: Locator) -> Problem:
    loc = _data_loc(error["loc"], locator.root)
    kind = error["type"]
    if kind == "missing":
        return locator.problem(loc, f"missing required key {loc[-1]!r}")
    if kind == "extra_forbidden":
        return locator.problem(loc, f"unknown key {loc[-1]!r}", at_key=True)
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "string_type" and isinstance(error.get("input"), int | float):
        message += f' (quote it: "{error["input"]}")'
    return locator.problem(loc, message)


def _data_loc(loc: Sequence[str | int], root: Any) -> Loc:
    """Pydantic's location without the union tags it inserts, so it reads as a path in the file."""
    kept: list[str | int] = []
    node = root
    for index, segment in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, Mapping) and isinstance(segment, str):
            if segment in node:
                node = node[segment]
            elif not last:
                continue
            kept.append(segment)
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            node = node[segment]
            kept.append(segment)
        else:
            kept.append(segment)
            node = None
    return tuple(kept)
