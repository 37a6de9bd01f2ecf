"""``/ui/login`` and ``/ui/logout``: the admin token typed once, a signed session cookie after."""

from __future__ import annotations

import structlog
from aiohttp import web

from sluice_manager.console.guard import CODEC
from sluice_manager.console.render import NEW_SESSION, form, render, see_other, session_of
from sluice_manager.console.session import Session

log = structlog.get_logger(__name__)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if value and value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ui/sources"


async def login_form(request: web.Request) -> web.Response:
    next_page = safe_next(request.query.get("next"))
    if session_of(request).signed_in:
        return see_other(next_page)
    return render(request, "login.html.j2", {"next": next_page, "error": None})


async def login(request: web.Request) -> web.Response:
    data = await form(request)
    next_page = safe_next(data.get("next"))
    if not request.config_dict[CODEC].token_ok(data.get("token", "").strip()):
        log.info("console_login_refused")
        context = {"next": next_page, "error": "That is not an admin token."}
        return render(request, "login.html.j2", context, status=401)
    request[NEW_SESSION] = Session.fresh(signed_in=True)  # a new CSRF token, too
    log.info("console_login")
    return see_other(next_page)


async def logout(request: web.Request) -> web.Response:
    request[NEW_SESSION] = Session.fresh(signed_in=False)
    return see_other("/ui/login")


def setup(app: web.Application) -> None:
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
