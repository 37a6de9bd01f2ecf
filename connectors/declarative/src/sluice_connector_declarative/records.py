"""Reading records out of a page body: JSONPath selection (RFC 9535, through
``sluice_descriptor.jsonpaths``) and dotted record paths (the templates' own path rules).

The records of most APIs are one array: ``$.items[*]`` (or ``$[*]``). For that one shape the
nodes are taken straight from the body, as python-jsonpath would select them (a member's array
items, or an object's member values), without building a match object per record; every other
expression goes through python-jsonpath.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sluice_descriptor.jsonpaths import compile_path, first
from sluice_descriptor.sync import Deleted
from sluice_descriptor.templates import resolve

__all__ = ["RecordsError", "first", "is_deleted", "lookup", "select_records"]


_WILDCARD = re.compile(r"\$(?:\.([A-Za-z_][A-Za-z0-9_]*))?\[\*\]")
"""``$[*]`` or ``$.name[*]`` (an ASCII member name shorthand, RFC 9535 §2.5.1.1)."""


class RecordsError(Exception):
    """The page body does not hold records where the stream says (a descriptor problem)."""


def select_records(path: str | None, body: Any) -> Iterator[Any]:
    """The page's records, one by one: the nodes ``path`` selects, or the body itself when it is
    an array and no path is given."""
    if path is None:
        if not isinstance(body, list):
            raise RecordsError(
                "the response body is not an array: give the stream a `records` JSONPath"
            )
        yield from body
        return
    plain = _WILDCARD.fullmatch(path)
    if plain is None:
        for match in compile_path(path).finditer(body):
            yield match.obj
        return
    member = plain.group(1)
    if member is None:
        yield from _children(body)
    elif isinstance(body, Mapping) and member in body:
        yield from _children(body[member])


def _children(node: Any) -> Iterable[Any]:
    """What ``[*]`` selects of a node: an array's items, an object's member values, else nothing."""
    if type(node) is list:
        return node
    if isinstance(node, Mapping):
        return node.values()
    if isinstance(node, Sequence) and not isinstance(node, str):
        return node
    return ()


def lookup(record: Any, dotted: str) -> Any:
    """The value at a dotted path (``fields.updated``, ``items.0.id``), or None when absent."""
    found, value = resolve(record, dotted.split("."))
    return value if found else None


def is_deleted(spec: Deleted | None, record: Any) -> bool:
    """Whether the API flags this record as deleted (``value`` null: any truthy flag)."""
    if spec is None:
        return False
    flag = lookup(record, spec.field)
    return bool(flag) if spec.value is None else bool(flag == spec.value)
