"""The one limit on the JSON values the manager stores (protocol §1.3, stored JSON values).

A source's config and credentials, connector_state, a checkpoint, a manifest, an event's free-form
members, a descriptor: whatever a client hands the manager to keep is checked here before anything
is written, and refused with 422 when it

* nests deeper than ``max_json_depth`` levels of arrays and objects,
* takes more than ``max_json_value_bytes`` as JSON text, or
* holds U+0000 in a string or a key, which Postgres text and jsonb cannot store.

Deeper values would be stored and then break every response that carries them: orjson, which
writes every response, refuses more than 254 levels, and code that walks a value recurses. The walk
here stops at the limit, so a value at the parser's own limit (1024 levels) is refused, not crashed
on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from sluice_manager.http.errors import HttpError
from sluice_manager.settings import ManagerSettings


@dataclass(frozen=True, slots=True)
class JsonLimits:
    max_depth: int
    max_bytes: int

    @classmethod
    def of(cls, settings: ManagerSettings) -> JsonLimits:
        return cls(settings.max_json_depth, settings.max_json_value_bytes)

    def problem(self, value: object, *, size: int | None = None, nul: bool = True) -> str | None:
        """Why ``value`` cannot be stored, or None. ``size`` is the length of a text known to hold
        the value (its request body): within the limit, the value is not serialised to measure
        it. ``nul=False`` leaves strings unchecked (values Postgres keeps as json text)."""
        problem = _walk(value, self.max_depth, nul)
        if problem is not None or (size is not None and size <= self.max_bytes):
            return problem
        # Within the depth limit, far below orjson's: serialising cannot fail on nesting.
        if len(orjson.dumps(value)) > self.max_bytes:
            return f"exceeds {self.max_bytes} bytes as JSON"
        return None

    def too_deep(self, value: dict[str, Any] | list[Any]) -> bool:
        """Whether an object or array nests beyond ``max_depth``: the cheap first test of the
        ingest path, which measures size only for a body over ``max_bytes``."""
        return _within(value, self.max_depth, False, self.max_depth) is not None

    def check(self, value: object, what: str, *, size: int | None = None, nul: bool = True) -> None:
        """422 naming ``what`` unless ``value`` may be stored (see ``problem``)."""
        problem = self.problem(value, size=size, nul=nul)
        if problem is not None:
            raise HttpError(422, f"{what} {problem}")


def _walk(value: object, max_depth: int, nul: bool) -> str | None:
    """The first problem found: nesting beyond ``max_depth`` (an array or object is one level)
    or, with ``nul``, U+0000 in a string or key."""
    if type(value) is dict or type(value) is list:
        return _within(value, max_depth, nul, max_depth)
    return _HAS_NUL if nul and type(value) is str and "\x00" in value else None


def _within(
    container: dict[Any, Any] | list[Any], levels: int, nul: bool, max_depth: int
) -> str | None:
    """Recursive, but never deeper than ``max_depth`` (at most 200): it stops there. Exact types,
    as JSON parsers make them: this runs per event member on the ingest path."""
    if levels == 0:
        return f"nests deeper than {max_depth} levels"
    members: Iterable[object] = container
    if type(container) is dict:
        if nul:
            for key in container:
                if type(key) is str and "\x00" in key:
                    return _HAS_NUL
        members = container.values()
    for member in members:
        if type(member) is str:
            if nul and "\x00" in member:
                return _HAS_NUL
        elif type(member) is dict or type(member) is list:
            problem = _within(member, levels - 1, nul, max_depth)
            if problem is not None:
                return problem
    return None


_HAS_NUL = "has a string with a NUL character (U+0000), which cannot be stored"
