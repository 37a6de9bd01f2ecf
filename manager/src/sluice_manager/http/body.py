"""Reading a JSON body in protocol order: size (413), type (415), syntax (400), shape (422)."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import orjson
from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from sluice_manager.http.errors import HttpError
from sluice_manager.http.json_limits import JsonLimits
from sluice_manager.settings import ManagerSettings

T = TypeVar("T")


def too_large(limit: int) -> HttpError:
    return HttpError(413, f"request body exceeds {limit} bytes")


async def read_bytes(request: web.Request, limit: int) -> bytes:
    """The raw body, refused with 413 from Content-Length before reading and again while reading."""
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def check_json_content_type(request: web.Request) -> None:
    """JSON, or no Content-Type at all (protocol §1.3); anything else is 415."""
    if "Content-Type" not in request.headers:
        return
    if request.content_type != "application/json":
        raise HttpError(415, f"unsupported content type {request.content_type!r}")


async def read_stored_json(request: web.Request, settings: ManagerSettings, what: str) -> Any:
    """A body that is itself a value to keep (a checkpoint, connector_state): up to
    ``max_state_bytes``, then JSON, then the stored-value limits (422 naming ``what``)."""
    raw = await read_bytes(request, settings.max_state_bytes)
    check_json_content_type(request)
    if not raw.strip():
        raise HttpError(400, "request body is empty")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, f"malformed JSON: {exc}") from exc
    JsonLimits.of(settings).check(value, what, size=len(raw))
    return value


def validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def validate_json_bytes(
    adapter: TypeAdapter[T],
    raw: bytes,
    *,
    context: Any = None,
    extra: Literal["allow", "ignore", "forbid"] | None = None,
) -> T:
    """Parse and shape-check raw bytes in one pass in pydantic-core: 400 for an empty or
    malformed body, 422 for a shape error (protocol §1.3 steps 5-6)."""
    if not raw.strip():
        raise HttpError(400, "request body is empty")
    try:
        return adapter.validate_json(raw, context=context, extra=extra)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(err["type"] == "json_invalid" for err in errors):
            raise HttpError(400, f"malformed JSON: {errors[0]['msg']}") from exc
        raise HttpError(422, validation_message(exc)) from exc


def validate(
    adapter: TypeAdapter[T], data: Any, *, extra: Literal["allow", "ignore", "forbid"] | None = None
) -> T:
    """Shape check: a pydantic failure is 422 with a readable message. ``extra`` overrides the
    models' handling of unknown members (``forbid``: each one is named)."""
    try:
        return adapter.validate_python(data, extra=extra)
    except ValidationError as exc:
        raise HttpError(422, validation_message(exc)) from exc
