"""Errors that become ``{"error": message}`` responses (protocol §1.3 error envelope)."""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from aiohttp import web

from sluice_manager.errors import ManagerError


class HttpError(ManagerError):
    """Raise from a handler to answer ``status`` with the error envelope."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def bad_request(message: str) -> HttpError:
    return HttpError(400, message)


def not_found(message: str) -> HttpError:
    return HttpError(404, message)


def unprocessable(message: str) -> HttpError:
    return HttpError(422, message)


def error_body(message: str) -> bytes:
    """The protocol's error envelope, ``{"error": message}``."""
    return orjson.dumps({"error": message})


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=error_body(message),
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
