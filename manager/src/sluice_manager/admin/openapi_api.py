"""``GET /api/openapi.json``: the OpenAPI document of every route (``sluice_manager.openapi``)."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.http.errors import json_response
from sluice_manager.openapi import build_document


async def openapi_document(request: web.Request) -> web.Response:
    return json_response(build_document(request.app))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi_document)
