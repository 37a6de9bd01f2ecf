"""The manager's one middleware (protocol §1.3, §2).

Per request, in the protocol's processing order: a URL over ``max_url_bytes`` (414) and a routing
error (404, 405) first, then the bearer token by path (admin: ``/api``; admin or MCP: ``/mcp``;
connector: ``/sdk/``), then the handler. Every non-2xx answer leaves in the error envelope: an
``HttpError`` with its own status, a domain error with its status from
``sluice_manager.http.statuses``, a database outage as 503 with ``Retry-After`` (a string Postgres
cannot hold as 422), anything else as a 500. Requests that reach a handler have their latency
observed. One middleware rather than one per concern: each layer costs a call and a coroutine per
request, and everything that can be decided once (tokens, the latency sink) is decided when the app
is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from sluice_manager.errors import ManagerError
from sluice_manager.http.auth import OPEN_API_PATHS, BearerTokens
from sluice_manager.http.connector_auth import ConnectorAuth
from sluice_manager.http.errors import HttpError, error_response
from sluice_manager.http.mcp_auth import McpAuth
from sluice_manager.http.statuses import driver_answer, status_of
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


def _driver_error(
    request: web.Request, exc: Exception, unavailable: dict[str, str]
) -> web.Response:
    """A database outage is a 503 with Retry-After, a string Postgres cannot store a 422;
    anything else a handler lets through is an internal error."""
    answer = driver_answer(exc)
    if answer is None:
        log.exception("request_failed", method=request.method, path=request.path)
        return error_response(500, "internal error")
    status, message = answer
    if status == 503:
        log.warning(
            "database_unavailable", method=request.method, path=request.path, error=repr(exc)
        )
        return error_response(status, message, unavailable)
    return error_response(status, message)


def _is_mcp(path: str) -> bool:
    return path == "/mcp" or path.startswith("/mcp/")


def request_middleware(
    settings: ManagerSettings, observe: ObserveLatency | None = None
) -> Middleware:
    """The middleware of an app serving ``settings``; ``observe`` receives handler latencies."""
    admin = BearerTokens("admin", settings.admin_token)
    connector = ConnectorAuth(settings)
    mcp = McpAuth(settings)
    clock = time.perf_counter
    unavailable = {"Retry-After": str(settings.database_retry_after_seconds)}
    max_url = settings.max_url_bytes

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if len(request.raw_path) > max_url:  # before routing: the URL itself is refused
            return error_response(414, f"request URL exceeds {max_url} bytes")
        scoped = False  # a scoped connector token, looked up below with the handler's errors
        mcp_token = False  # likewise an MCP token
        try:
            routing_error = request.match_info.http_exception
            if routing_error is not None:
                raise routing_error
            path = request.path
            if path.startswith("/sdk/"):
                scoped = connector.check(request)
            elif _is_mcp(path):
                mcp_token = mcp.check(request)
            elif (path.startswith("/api/") or path == "/api") and path not in OPEN_API_PATHS:
                admin.check(request)
        except HttpError as exc:
            return error_response(exc.status, exc.message, exc.headers, exc.details)
        except web.HTTPException as exc:
            return _framework_error(exc)

        started = clock()
        response: web.StreamResponse
        try:
            if scoped:
                await connector.resolve(request)
            if mcp_token:
                await mcp.resolve(request)
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
        except Exception as exc:
            response = _driver_error(request, exc, unavailable)
        if observe is not None:
            observe(request, response.status, clock() - started)
        return response

    return middleware
