"""``/api/sources``: create, list, read, update, soft delete; never returns a credential secret."""

from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.admin.common import path_id, query_limit, query_text, read_body
from sluice_manager.http.errors import json_response
from sluice_manager.openapi import describe
from sluice_manager.services import SERVICES
from sluice_manager.sources import service
from sluice_manager.sources.models import AdminSource, SourceCreate, SourcePatch
from sluice_sql.query_loader import QUERIES

_CREATE = TypeAdapter(SourceCreate)
_PATCH = TypeAdapter(SourcePatch)


def _dump(source: AdminSource) -> web.Response:
    return web.Response(body=source.model_dump_json(), content_type="application/json")


async def create_source(request: web.Request) -> web.Response:
    body = await read_body(request, _CREATE)
    created = await service.create_source(request.app[SERVICES], body)
    response = _dump(created)
    response.set_status(201)
    return response


async def list_sources(request: web.Request) -> web.Response:
    rows = await request.app[SERVICES].pool.fetch(
        QUERIES.select_sources_page, query_text(request, "source_type"), query_limit(request)
    )
    return json_response([service.admin_source(row).model_dump(mode="json") for row in rows])


async def get_source(request: web.Request) -> web.Response:
    return _dump(
        await service.load_admin_source(request.app[SERVICES].pool, path_id(request, what="source"))
    )


async def patch_source(request: web.Request) -> web.Response:
    patch = await read_body(request, _PATCH)
    updated = await service.update_source(
        request.app[SERVICES], path_id(request, what="source"), patch
    )
    return _dump(updated)


async def delete_source(request: web.Request) -> web.Response:
    source_id = path_id(request, what="source")
    await service.delete_source(request.app[SERVICES], source_id)
    return json_response({"status": "deleted", "id": source_id})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/sources", create_source)
    app.router.add_get("/api/sources", list_sources)
    app.router.add_get("/api/sources/{id}", get_source)
    app.router.add_patch("/api/sources/{id}", patch_source)
    app.router.add_delete("/api/sources/{id}", delete_source)
    describe("POST", "/api/sources", request=SourceCreate, response=AdminSource, status=201)
    describe("GET", "/api/sources", response=list[AdminSource], query=("source_type", "limit"))
    describe("GET", "/api/sources/{id}", response=AdminSource)
    describe("PATCH", "/api/sources/{id}", request=SourcePatch, response=AdminSource)
