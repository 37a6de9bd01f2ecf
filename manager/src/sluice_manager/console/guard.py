"""The console's middleware: session, sign-in, CSRF, security headers and HTML error pages.

It wraps only the console's routes (it is the sub-application's middleware). In order: read the
session cookie (a fresh one when absent); send a visitor who has not signed in to the login form;
refuse a state-changing request whose CSRF token does not match the session's (403); run the
handler; answer any error as an HTML page with its status; add the security headers; write the
cookie when the session is new or changed.
"""

from __future__ import annotations

from urllib.parse import urlencode

import structlog
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from sluice_manager.console.render import NEW_SESSION, SESSION, render
from sluice_manager.console.session import COOKIE_NAME, MAX_AGE_SECONDS, Session, SessionCodec
from sluice_manager.errors import ManagerError
from sluice_manager.http.errors import HttpError
from sluice_manager.http.statuses import driver_answer, status_of

log = structlog.get_logger(__name__)

CODEC = web.AppKey("console_codec", SessionCodec)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reached without signing in: the login form and what it needs to look right.
_PUBLIC_PREFIXES = ("/ui/login", "/ui/static/")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def _public(path: str) -> bool:
    return path.startswith(_PUBLIC_PREFIXES)


def _login_redirect(request: web.Request) -> web.Response:
    target = request.path_qs if request.method == "GET" else "/ui/"
    return web.Response(
        status=303, headers={"Location": "/ui/login?" + urlencode({"next": target})}
    )


async def _presented_csrf(request: web.Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.post()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html.j2", {"status": status, "message": message}, status=status)


def _error_response(request: web.Request, exc: Exception) -> web.Response:
    if isinstance(exc, HttpError):
        return error_page(request, exc.status, exc.message)
    if isinstance(exc, ManagerError):
        status = status_of(exc)
        if status is not None:
            return error_page(request, status, exc.message)
        log.exception("console_request_failed", method=request.method, path=request.path)
        return error_page(request, 500, "internal error")
    answer = driver_answer(exc)
    if answer is None:
        log.exception("console_request_failed", method=request.method, path=request.path)
        return error_page(request, 500, "internal error")
    return error_page(request, *answer)


def _framework_answer(request: web.Request, exc: web.HTTPException) -> web.Response:
    if exc.status >= 400:
        return error_page(request, exc.status, exc.reason)
    headers = {k: v for k, v in exc.headers.items() if k == hdrs.LOCATION}
    return web.Response(status=exc.status, headers=headers)


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    codec = request.config_dict[CODEC]
    stored = codec.loads(request.cookies.get(COOKIE_NAME))
    session = stored or Session.fresh(signed_in=False)
    request[SESSION] = session
    response: web.StreamResponse
    try:
        if not session.signed_in and not _public(request.path):
            response = _login_redirect(request)
        elif request.method not in _SAFE_METHODS and not codec.csrf_ok(
            session, await _presented_csrf(request)
        ):
            log.info("console_csrf_refused", method=request.method, path=request.path)
            response = error_page(request, 403, "the form's CSRF token is missing or stale")
        else:
            response = await handler(request)
    except web.HTTPException as exc:
        response = _framework_answer(request, exc)
    except Exception as exc:  # answered as a page; the envelope is for the API
        response = _error_response(request, exc)
    if response.prepared:  # a stream (server-sent events) sent its own headers
        return response
    response.headers.update(SECURITY_HEADERS)
    written = request.get(NEW_SESSION)
    if written is None and stored is None and not request.path.startswith("/ui/static/"):
        # A page's response brings the fresh session; its style sheet and scripts, fetched in
        # parallel, must not replace it with another one.
        written = session
    if written is not None:
        response.set_cookie(
            COOKIE_NAME,
            codec.dumps(written),
            max_age=MAX_AGE_SECONDS,
            path="/ui",
            httponly=True,
            samesite="Strict",
            secure=request.secure,
        )
    return response
