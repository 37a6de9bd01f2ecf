"""Shared pieces of admin handlers: reading bodies and query parameters in protocol order."""

from __future__ import annotations

from typing import TypeVar

import orjson
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.body import check_json_content_type, read_bytes, validate
from sluice_manager.http.errors import bad_request, not_found
from sluice_manager.http.json_limits import JsonLimits
from sluice_manager.services import SERVICES

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def path_id(request: web.Request, name: str = "id", what: str = "sync run") -> str:
    """A path identifier; one Postgres could never store (a NUL) cannot exist: 404."""
    value = request.match_info[name]
    if "\x00" in value:
        raise not_found(f"{what} not found")
    return value


async def read_body(
    request: web.Request, adapter: TypeAdapter[T], *, allow_empty: bool = False
) -> T:
    """413 / 415 / 400 / 422 in order (§1.3); an empty body is ``{}`` when ``allow_empty``.
    Unknown members, and values beyond the stored-value limits, are 422.

    An empty optional body skips the Content-Type check: clients label an empty POST
    ``application/octet-stream``, and there is nothing to misinterpret.
    """
    settings = request.app[SERVICES].settings
    data = await read_bytes(request, settings.max_json_body_bytes)
    if data.strip() or not allow_empty:
        check_json_content_type(request)
    if not data.strip():
        if not allow_empty:
            raise bad_request("request body is empty")
        data = b"{}"
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"malformed JSON: {exc}") from exc
    # The body is checked whole: a value it carries to be stored (a config, a secret) is as many
    # levels shallower as it sits deep in the body.
    JsonLimits.of(settings).check(raw, "request body", size=len(data))
    # The admin API is Sluice's own (§1.1): a member no body has is a mistake to name, not a
    # later protocol version's addition to ignore (§1.3).
    return validate(adapter, raw, extra="forbid")


def query_limit(request: web.Request) -> int:
    text = request.query.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    try:
        value = int(text)
    except ValueError:
        raise bad_request("limit must be an integer") from None
    if not 1 <= value <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}")
    return value


def query_text(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if "\x00" in value:
        raise bad_request(f"{name} must not contain NUL characters")
    return value


def query_choice(request: web.Request, name: str, choices: tuple[str, ...]) -> str | None:
    value = query_text(request, name)
    if value is not None and value not in choices:
        raise bad_request(f"{name} must be one of {', '.join(choices)}")
    return value
