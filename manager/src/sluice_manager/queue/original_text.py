"""Queue payloads as the connector wrote them, when that text is the validated event (§10.1).

Re-serialising a validated batch costs more than everything else the manager does with it, so
the events array of the request body goes to Postgres as written, and Postgres splits it
(``json_array_elements`` keeps each element's text). That is exact only when the text says what
the validated event says. Validation notes every value it normalises (an integer ``size``, a
timestamp not in the written form, an empty ``attributes``, a lax boolean:
sluice_sdk.models._notes); this module checks what validation cannot see:

* unknown members of ``metadata``: ignored by validation, but the indexer stores metadata as a
  whole (§10.6), so they must not reach the queue;
* numbers that only pydantic's parser accepts (``NaN``, ``Infinity``, ``1e400``): they become
  non-finite floats, which the written form turns into null. ``NaN`` and ``Infinity`` are also
  refused by Postgres's JSON parser, which the caller treats as "take the rewritten path".

Unknown members elsewhere stay in the text; every receiver ignores them (§1.3), and so does the
indexer. Null members stay too; they mean the same as absent (§5.2), and the indexer reads them so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, cast

from sluice_sdk.models import (
    DocumentCreatedEvent,
    DocumentUpdatedEvent,
    Event,
    PersonSyncEvent,
)

_WHITESPACE = b" \t\r\n"
# A top-level member name without escapes, and the colon after it.
_KEY = re.compile(rb'[ \t\r\n]*"([^"\\]*)"[ \t\r\n]*:[ \t\r\n]*')
# One JSON scalar of a body that already parsed: a string, a number, true, false or null.
_SCALAR = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[-0-9][-+.0-9eE]*|true|false|null')


def events_array_span(raw: bytes) -> tuple[int, int] | None:
    """Where the top-level ``events`` array of a JSON body that pydantic has accepted is.

    ``raw[start:end]`` is the array text, from ``[`` to ``]``. Cheap, and only for the usual
    layout: the members before ``events`` are scalars and ``events`` is the last member.
    Otherwise None. The span is the events array whenever its text is valid JSON: if ``events``
    were not the last member, the text would run on past the array's end into ``, "name": ...``,
    which no JSON parser accepts (Postgres refuses it, and the caller falls back).
    """
    pos = raw.find(b"{")
    if pos < 0 or raw[:pos].strip(_WHITESPACE):
        return None
    pos += 1
    while True:
        key = _KEY.match(raw, pos)
        if key is None:
            return None
        if key[1] == b"events":
            start = key.end()
            break
        value = _SCALAR.match(raw, key.end())
        if value is None:
            return None
        pos = value.end()
        while raw[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n"):
            pos += 1
        if raw[pos : pos + 1] != b",":
            return None
        pos += 1
    if raw[start : start + 1] != b"[":
        return None
    end = len(raw.rstrip(_WHITESPACE))
    if raw[end - 1 : end] != b"}":
        return None
    end = len(raw[: end - 1].rstrip(_WHITESPACE))
    if end <= start or raw[end - 1 : end] != b"]":
        return None
    return start, end


def events_array_text(raw: bytes) -> str | None:
    """The text of the top-level ``events`` array (see events_array_span), or None."""
    span = events_array_span(raw)
    if span is None:
        return None
    # One copy: decode straight from a view of the body, not from a slice of it.
    return str(memoryview(raw)[span[0] : span[1]], "utf-8")


# How writers separate the objects of an array: compact, and json.dumps' default.
_SEPARATORS = (b"},{", b"}, {")


def event_texts(raw: bytes, count: int) -> list[str] | None:
    """The text of each of the ``count`` events of the body's events array, or None.

    The array is cut at the separators writers put between objects; cheap (a byte search per
    event). A cut is right when it gives ``count`` pieces that are each valid JSON: joined by
    commas they are the array's content, and JSON splits that into values in one way only. So a
    separator inside a string or a nested array either changes the count (then None) or leaves a
    piece that is not JSON, which Postgres refuses (the caller falls back).
    """
    span = events_array_span(raw)
    if span is None:
        return None
    first, last = span[0] + 1, span[1] - 1
    while first < last and raw[first] in _WHITESPACE:
        first += 1
    while last > first and raw[last - 1] in _WHITESPACE:
        last -= 1
    if count == 0 or first == last:
        return [] if count == 0 and first == last else None
    view = memoryview(raw)
    for separator in _SEPARATORS:
        texts: list[str] = []
        pos = first
        while len(texts) < count:
            cut = raw.find(separator, pos, last)
            if cut < 0:
                break
            texts.append(str(view[pos : cut + 1], "utf-8"))
            pos = cut + len(separator) - 1
        if len(texts) == count - 1:
            texts.append(str(view[pos:last], "utf-8"))
            return texts
    return None


def text_is_validated(events: Sequence[Event]) -> bool:
    """False when some event's text says more than its validated value (see the module doc).

    Expects models validated with ``extra="allow"``, so unknown members are visible. Per event on
    the ingest hot path: empty containers are skipped before any call.
    """
    for event in events:
        extra = event.__pydantic_extra__
        if extra and not _finite(extra):
            return False
        # Exact classes: isinstance on pydantic models goes through ABCMeta, and this is per event.
        kind = type(event)
        if kind is DocumentCreatedEvent or kind is DocumentUpdatedEvent:
            document = cast(DocumentCreatedEvent | DocumentUpdatedEvent, event)
            metadata = document.metadata
            if metadata.__pydantic_extra__:
                return False
            values = metadata.extra
            if values and not _finite(values):
                return False
            values = document.attributes
            if values and not _finite(values):
                return False
            permissions = document.permissions
            extra = None if permissions is None else permissions.__pydantic_extra__
            if extra and not _finite(extra):
                return False
        elif kind is PersonSyncEvent:
            extra = cast(PersonSyncEvent, event).person.__pydantic_extra__
            if extra and not _finite(extra):
                return False
    return True


_LEAVES = frozenset({str, int, bool, type(None)})


def _finite(value: Any) -> bool:
    """No non-finite float anywhere in a parsed JSON value."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        return kind is not float or math.isfinite(value)
    # A loop, not all(): no generator per container on the hot path.
    for item in items:  # noqa: SIM110
        if type(item) not in _LEAVES and not _finite(item):
            return False
    return True
