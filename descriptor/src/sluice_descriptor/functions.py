"""The functions templates may call (docs/descriptor.md, "Template functions"); how values print."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sluice_descriptor.errors import FunctionFailed, MissingVariable

__all__ = [
    "FUNCTIONS",
    "LAZY_FUNCTIONS",
    "Function",
    "MissingVariable",
    "parse_datetime",
    "text_of",
]

_EPOCH_MILLIS_ABOVE = 100_000_000_000  # 1973 in milliseconds, 5138 in seconds
# Tuples, not ``X | Y`` unions: a union in an isinstance call is built anew at every call.
_CONTAINERS = (dict, list, tuple)
_DATES = (datetime, date)
_NUMBERS = (int, float)


def text_of(value: Any) -> str:
    """How a value prints in rendered text: null is empty, booleans and containers as JSON."""
    if type(value) is str:  # the common cases first, before the isinstance checks
        return value
    if type(value) is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _CONTAINERS):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    if isinstance(value, _DATES):
        return value.isoformat()
    return str(value)


def parse_datetime(value: Any) -> datetime:
    """A timezone-aware datetime from ISO 8601 text, epoch seconds (or milliseconds), or a datetime.

    Naive values are taken as UTC. Raises ``ValueError``.
    """
    if isinstance(value, str):
        text = value.strip()
        if _looks_iso(text):
            moment = datetime.fromisoformat(text)
        else:
            try:
                return parse_datetime(float(text))
            except ValueError:
                moment = datetime.fromisoformat(text)
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, _NUMBERS) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) >= _EPOCH_MILLIS_ABOVE else value
        return datetime.fromtimestamp(seconds, UTC)
    else:
        raise ValueError(f"{value!r} is not a date")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _looks_iso(text: str) -> bool:
    """``YYYY-…``: text no float can be (four digits then ``-``), so the failing ``float()`` of
    the epoch attempt, an exception per timestamp, is skipped."""
    return len(text) > 4 and text[4] == "-" and text[:4].isdigit()


def _base64(value: Any) -> str:
    return base64.b64encode(text_of(value).encode()).decode("ascii")


def _urlencode(value: Any) -> str:
    return urllib.parse.quote(text_of(value), safe="")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _lower(value: Any) -> str:
    return text_of(value).lower()


def _upper(value: Any) -> str:
    return text_of(value).upper()


def _trim(value: Any) -> str:
    return text_of(value).strip()


def _date(value: Any, fmt: Any = None) -> str | int | None:
    if value is None or value == "":
        return None
    try:
        moment = parse_datetime(value)
    except (ValueError, OverflowError, OSError) as exc:
        raise FunctionFailed("date", f"{value!r} is not a date") from exc
    pattern = text_of(fmt)
    if not pattern:
        return moment.isoformat()
    if pattern == "epoch":
        return int(moment.timestamp())
    if pattern == "epoch_ms":
        return int(moment.timestamp() * 1000)
    return moment.strftime(pattern)


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _default(value: Any, fallback: Any) -> Any:
    return fallback if _empty(value) else value


def _coalesce(*values: Any) -> Any:
    return next((value for value in values if not _empty(value)), None)


def _join(values: Any, separator: Any = ", ") -> str:
    if not isinstance(values, list | tuple):
        return text_of(values)
    return text_of(separator).join(text_of(value) for value in values if value is not None)


@dataclass(frozen=True, slots=True)
class Function:
    call: Callable[..., Any]
    min_args: int
    max_args: int
    summary: str

    @property
    def arity(self) -> str:
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.max_args > 99:
            return f"at least {self.min_args} arguments"
        return f"{self.min_args} to {self.max_args} arguments"


FUNCTIONS: dict[str, Function] = {
    "base64": Function(_base64, 1, 1, "standard Base64 of the UTF-8 text"),
    "urlencode": Function(_urlencode, 1, 1, "percent-encoding of the text (every reserved char)"),
    "json": Function(_json, 1, 1, "the value as compact JSON"),
    "lower": Function(_lower, 1, 1, "the text in lower case"),
    "upper": Function(_upper, 1, 1, "the text in upper case"),
    "trim": Function(_trim, 1, 1, "the text without surrounding whitespace"),
    "date": Function(
        _date,
        1,
        2,
        "a date (ISO 8601 text, epoch seconds or milliseconds) formatted with a strftime "
        "pattern, or `epoch` / `epoch_ms`; ISO 8601 without a pattern; empty stays empty",
    ),
    "default": Function(_default, 2, 2, "the value, or the fallback when it is missing or empty"),
    "coalesce": Function(
        _coalesce, 1, 1000, "the first argument that is neither missing nor empty"
    ),
    "join": Function(_join, 1, 2, "the list's items joined by the separator (default `, `)"),
}

LAZY_FUNCTIONS = frozenset({"default", "coalesce"})
"""Functions whose arguments may be missing: they are evaluated leniently."""
