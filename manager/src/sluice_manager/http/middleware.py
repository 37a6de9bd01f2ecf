"""Middlewares: every non-2xx answer in the error envelope; auth by path prefix."""

from __future__ import annotations

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from sluice_manager.http.auth import check_admin, check_connector
from sluice_manager.http.errors import HttpError, error_response
from sluice_manager.keys import SETTINGS

log = structlog.get_logger(__name__)

# Headers of framework errors worth keeping (405's Allow, 401's challenge).
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


@web.middleware
async def error_envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HttpError as exc:
        return error_response(exc.status, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: exc.headers[k] for k in _KEPT_HEADERS if k in exc.headers}
        message = exc.reason if exc.status != 413 else exc.text or exc.reason
        return error_response(exc.status, message.lower(), headers)
    except Exception:
        log.exception("request_failed", method=request.method, path=request.path)
        return error_response(500, "internal error")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Route and method come first (protocol §1.3 processing order).
    routing_error = request.match_info.http_exception
    if routing_error is not None:
        raise routing_error
    settings = request.app[SETTINGS]
    path = request.path
    if path == "/api" or path.startswith("/api/"):
        check_admin(request, settings.admin_token)
    elif path.startswith("/sdk/"):
        check_connector(request, settings.connector_token, open_mode=settings.sdk_auth == "open")
    return await handler(request)
