"""Validating a JSON body straight from its bytes, in the protocol's order (§1.3 steps 3-6).

Parsing and shape checks happen in one pass in pydantic-core, which matters for event batches.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.body import check_json_content_type, read_bytes, validate_json_bytes
from sluice_manager.http.errors import HttpError

T = TypeVar("T")


async def read_validated(request: web.Request, adapter: TypeAdapter[T], limit: int) -> T:
    """413 (size), 415 (type), 400 (empty or malformed JSON), 422 (shape), else the model."""
    raw = await read_bytes(request, limit)
    check_json_content_type(request)
    return validate_json_bytes(adapter, raw)


async def read_optional_json(request: web.Request, limit: int) -> Any:
    """A JSON body that may be absent (None). An empty body carries no type to check, so
    clients that send an empty POST with a generic Content-Type are not refused with 415."""
    raw = await read_bytes(request, limit)
    if not raw.strip():
        return None
    check_json_content_type(request)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, f"malformed JSON: {exc}") from exc
