"""The manager's one middleware (protocol §1.3, §2).

Per request, in the protocol's processing order: a routing error (404, 405) first, then the
bearer token by path prefix (admin for ``/api``, connector for ``/sdk/``), then the handler. Every
non-2xx answer leaves in the error envelope: an ``HttpError`` with its own status, a domain error
with its status from ``sluice_manager.http.statuses``, anything else as a 500. Requests that reach
a handler have their latency observed. One middleware rather than one per concern: each layer
costs a call and a coroutine per request, and everything that can be decided once (tokens, the
latency sink) is decided when the app is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from sluice_manager.errors import ManagerError
from sluice_manager.http.auth import OPEN_API_PATHS, BearerTokens
from sluice_manager.http.errors import HttpError, error_response
from sluice_manager.http.statuses import status_of
from sluice_manager.settings import ManagerSettings

log = structlog.get_logger(__name__)

# Headers of framework errors worth keeping (405's Allow, 401's challenge).
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")

# Told the request, the status it was answered with and the seconds its handler took.
ObserveLatency = Callable[[web.Request, int, float], None]


def _framework_error(exc: web.HTTPException) -> web.Response:
    headers = {k: exc.headers[k] for k in _KEPT_HEADERS if k in exc.headers}
    message = exc.reason if exc.status != 413 else exc.text or exc.reason
    return error_response(exc.status, message.lower(), headers)


def request_middleware(
    settings: ManagerSettings, observe: ObserveLatency | None = None
) -> Middleware:
    """The middleware of an app serving ``settings``; ``observe`` receives handler latencies."""
    admin = BearerTokens("admin", settings.admin_token)
    connector = BearerTokens(
        "connector", settings.connector_token, open_mode=settings.sdk_auth == "open"
    )
    clock = time.perf_counter

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            routing_error = request.match_info.http_exception
            if routing_error is not None:
                raise routing_error
            path = request.path
            if path.startswith("/sdk/"):
                connector.check(request)
            elif (path.startswith("/api/") or path == "/api") and path not in OPEN_API_PATHS:
                admin.check(request)
        except HttpError as exc:
            return error_response(exc.status, exc.message, exc.headers, exc.details)
        except web.HTTPException as exc:
            return _framework_error(exc)

        started = clock()
        response: web.StreamResponse
        try:
            response = await handler(request)
        except HttpError as exc:
            response = error_response(exc.status, exc.message, exc.headers, exc.details)
        except ManagerError as exc:
            status = status_of(exc)
            if status is None:
                log.exception("request_failed", method=request.method, path=request.path)
                response = error_response(500, "internal error")
            else:
                response = error_response(status, exc.message, details=exc.details)
        except web.HTTPException as exc:
            if exc.status >= 400:
                response = _framework_error(exc)
            else:  # a redirect raised by a handler goes out as aiohttp sends it
                if observe is not None:
                    observe(request, exc.status, clock() - started)
                raise
        except Exception:
            log.exception("request_failed", method=request.method, path=request.path)
            response = error_response(500, "internal error")
        if observe is not None:
            observe(request, response.status, clock() - started)
        return response

    return middleware
