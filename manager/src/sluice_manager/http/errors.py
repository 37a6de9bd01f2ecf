"""Errors that become ``{"error": message}`` responses (protocol §1.3 error envelope)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from sluice_manager.errors import ManagerError


class HttpError(ManagerError):
    """Raise from a handler to answer ``status`` with the error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.details = details


def bad_request(message: str) -> HttpError:
    return HttpError(400, message)


def not_found(message: str) -> HttpError:
    return HttpError(404, message)


def unprocessable(message: str) -> HttpError:
    return HttpError(422, message)


def error_body(message: str, details: Mapping[str, Any] | None = None) -> bytes:
    """The protocol's error envelope, ``{"error": message}``, plus any ``details`` members."""
    if details:
        return orjson.dumps({"error": message, **details})
    return orjson.dumps({"error": message})


def error_response(
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    details: Mapping[str, Any] | None = None,
) -> web.Response:
    return web.Response(
        status=status,
        body=error_body(message, details),
        content_type="application/json",
        headers=headers,
    )


def json_response(data: object, status: int = 200) -> web.Response:
    """JSON via orjson (datetimes become RFC 3339)."""
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


OK = orjson.dumps({"status": "ok"})


def ok() -> web.Response:
    """The protocol's acknowledgement, ``200 {"status": "ok"}``."""
    return web.Response(body=OK, content_type="application/json")
