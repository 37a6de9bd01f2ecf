"""Rendering pages and reading forms: what every console handler shares."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from sluice_manager.console.session import Session
from sluice_manager.http.errors import HttpError
from sluice_manager.services import SERVICES, Services

SESSION = web.RequestKey("console_session", Session)
# A handler that signs in or out puts the new session here; the middleware writes the cookie.
NEW_SESSION = web.RequestKey("console_new_session", Session)

NAV = (
    ("Connectors", "/ui/connectors"),
    ("Sources", "/ui/sources"),
    ("Runs", "/ui/runs"),
    ("Search", "/ui/search"),
    ("Catalog", "/ui/catalog"),
    ("Queue", "/ui/queue"),
)


def services_of(request: web.Request) -> Services:
    # config_dict: the console is a sub-application; SERVICES lives on the main one.
    return request.config_dict[SERVICES]


def session_of(request: web.Request) -> Session:
    return request.get(NEW_SESSION) or request[SESSION]


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    session = session_of(request)
    base = {
        "csrf_token": session.csrf,
        "signed_in": session.signed_in,
        "nav": NAV,
        "path": request.path,
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def see_other(location: str, query: dict[str, str] | None = None) -> web.Response:
    """303 to ``location``: after a form POST the browser GETs the page it names."""
    if query:
        location = f"{location}?{urlencode(query)}"
    return web.Response(status=303, headers={"Location": location})


async def form(request: web.Request) -> dict[str, str]:
    """The posted form's text fields, first value of each (files are refused)."""
    data = await request.post()
    fields: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str):
            raise HttpError(400, f"{key}: files are not accepted here")
        if "\x00" in value:
            raise HttpError(400, f"{key} must not contain NUL characters")
        fields.setdefault(key, value)
    return fields


def path_part(request: web.Request, name: str = "id", what: str = "page") -> str:
    value = request.match_info[name]
    if "\x00" in value:
        raise HttpError(404, f"{what} not found")
    return value
