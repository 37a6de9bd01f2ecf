"""The operator console: server-rendered pages under ``/ui/`` (docs/console.md).

A sub-application with its own middleware (``guard``): session cookie, sign-in, CSRF and HTML
error pages apply to its routes alone. Pages call the same domain functions the admin API calls;
htmx (with its SSE extension) and JSON Editor, vendored under ``static/vendor``, only enhance them.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from sluice_manager.console import (
    auth_pages,
    catalog_pages,
    connector_pages,
    queue_pages,
    run_pages,
    search_pages,
    source_pages,
)
from sluice_manager.console.guard import CODEC, console_middleware
from sluice_manager.console.session import SessionCodec
from sluice_manager.http.errors import HttpError
from sluice_manager.settings import ManagerSettings

_HERE = Path(__file__).parent
PREFIX = "/ui"


async def _to_console(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": f"{PREFIX}/"})


async def _to_sources(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": f"{PREFIX}/sources"})


async def _not_found(request: web.Request) -> web.Response:
    raise HttpError(404, "page not found")


def create_console(settings: ManagerSettings) -> web.Application:
    console = web.Application(middlewares=[console_middleware])
    aiohttp_jinja2.setup(
        console,
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    codec = SessionCodec(settings.admin_token)
    console[CODEC] = codec
    console.router.add_get("/", _to_sources)
    console.router.add_static("/static/", _HERE / "static", append_version=False)
    auth_pages.setup(console)
    connector_pages.setup(console)
    source_pages.setup(console)
    run_pages.setup(console)
    search_pages.setup(console)
    catalog_pages.setup(console)
    queue_pages.setup(console)
    # Last: any other /ui path is this sub-application's 404 page, not the API's JSON envelope.
    console.router.add_route("*", "/{tail:.*}", _not_found)
    return console


def setup(app: web.Application, settings: ManagerSettings) -> None:
    """Mount the console at ``/ui/`` and send ``/`` there."""
    app.router.add_get("/", _to_console)
    app.router.add_get(PREFIX, _to_console)
    app.add_subapp(PREFIX, create_console(settings))
