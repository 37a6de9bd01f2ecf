"""Reading records out of a page body: JSONPath selection (RFC 9535, through
``sluice_descriptor.jsonpaths``) and dotted record paths (the templates' own path rules)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sluice_descriptor.jsonpaths import compile_path, first
from sluice_descriptor.sync import Deleted
from sluice_descriptor.templates import resolve

__all__ = ["RecordsError", "first", "is_deleted", "lookup", "select_records"]


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
    for match in compile_path(path).finditer(body):
        yield match.obj


def lookup(record: Any, dotted: str) -> Any:
    """The value at a dotted path (``fields.updated``, ``items.0.id``), or None when absent."""
    found, value = resolve({"": record}, ["", *dotted.split(".")])
    return value if found else None


def is_deleted(spec: Deleted | None, record: Any) -> bool:
    """Whether the API flags this record as deleted (``value`` null: any truthy flag)."""
    if spec is None:
        return False
    flag = lookup(record, spec.field)
    return bool(flag) if spec.value is None else bool(flag == spec.value)
