"""Incremental bookmarks: compare cursor values, keep the largest, apply the lookback.

A cursor value is what the record holds at ``cursor_field``: an ISO 8601 timestamp, an epoch
number (seconds, or milliseconds from 10^11 on), or any other string or number. Timestamps compare
as instants (``2026-03-04T10:00:00+01:00`` is before ``2026-03-04T09:30:00Z``), numbers as numbers,
anything else as text. The bookmark keeps the record's own spelling, so it goes back to the API in
the form the API wrote it; the lookback keeps that form too (``Z`` or offset, seconds or millis).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sluice_descriptor.functions import parse_datetime

_EPOCH_MS_FROM = 100_000_000_000  # as sluice_descriptor.functions reads epoch numbers


def as_instant(value: Any) -> datetime | None:
    """The instant a cursor value denotes, or None when it is no timestamp."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError, OSError):
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _key(value: Any) -> tuple[int, Any]:
    if _is_number(value):
        return (1, value)
    instant = as_instant(value) if isinstance(value, str) else None
    if instant is not None:
        return (2, instant)
    return (0, str(value))


def later(current: Any, candidate: Any) -> Any:
    """The larger of two cursor values (None is smaller than anything)."""
    if candidate is None:
        return current
    if current is None:
        return candidate
    a, b = _key(current), _key(candidate)
    if a[0] != b[0]:
        # Mixed kinds (a field that changed format): the newer spelling wins, so a bookmark
        # never sticks to a form the API no longer writes.
        return candidate
    return candidate if b[1] > a[1] else current


def with_lookback(bookmark: Any, seconds: float) -> Any:
    """The bookmark moved back by ``seconds`` when it is a timestamp; as it is otherwise."""
    if not seconds or bookmark is None:
        return bookmark
    instant = as_instant(bookmark)
    if instant is None:
        return bookmark
    moved = instant - timedelta(seconds=seconds)
    if _is_number(bookmark):
        if abs(bookmark) >= _EPOCH_MS_FROM:
            return int(moved.timestamp() * 1000)
        return int(moved.timestamp()) if isinstance(bookmark, int) else moved.timestamp()
    text = str(bookmark).strip()
    if text.isdigit():  # epoch digits as text
        millis = int(text) >= _EPOCH_MS_FROM
        return str(int(moved.timestamp() * 1000) if millis else int(moved.timestamp()))
    if text.endswith(("Z", "z")):
        return moved.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if _naive(text):
        return moved.replace(tzinfo=None).isoformat()
    return moved.isoformat()


def _naive(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return False
