"""``/api/sources``: create, list, read, update, soft delete; never returns a credential secret.

Declarative sources also have their credentials test (``/test``) and OAuth consent
(``/oauth/start``, and the open ``/api/oauth/callback`` the provider sends the user back to).
"""

from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.admin.common import (
    path_id,
    query_choice,
    query_limit,
    query_text,
    read_body,
)
from sluice_manager.http.errors import bad_request, json_response
from sluice_manager.openapi import describe
from sluice_manager.services import SERVICES
from sluice_manager.sources import oauth, service, upstream
from sluice_manager.sources.models import (
    AdminSource,
    OAuthCompleted,
    OAuthStartBody,
    OAuthStarted,
    SourceCreate,
    SourcePatch,
    SourceTestResult,
)
from sluice_sql.query_loader import QUERIES

_CREATE = TypeAdapter(SourceCreate)
_PATCH = TypeAdapter(SourcePatch)
_OAUTH_START = TypeAdapter(OAuthStartBody)


def _dump(source: AdminSource) -> web.Response:
    return web.Response(body=source.model_dump_json(), content_type="application/json")


async def create_source(request: web.Request) -> web.Response:
    allow_unknown_type = query_choice(request, "allow_unknown_type", ("true", "false")) == "true"
    body = await read_body(request, _CREATE)
    created = await service.create_source(
        request.app[SERVICES], body, allow_unknown_type=allow_unknown_type
    )
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


async def test_source(request: web.Request) -> web.Response:
    result = await upstream.run_source_test(request.app[SERVICES], path_id(request, what="source"))
    return web.Response(body=result.model_dump_json(), content_type="application/json")


async def start_oauth(request: web.Request) -> web.Response:
    body = await read_body(request, _OAUTH_START, allow_empty=True)
    started = await oauth.start(request.app[SERVICES], path_id(request, what="source"), body)
    return web.Response(body=started.model_dump_json(), content_type="application/json")


async def oauth_callback(request: web.Request) -> web.Response:
    """Open route: the one-time state authenticates the provider's redirect."""
    state = query_text(request, "state")
    if state is None:
        raise bad_request("state is required")
    completed = await oauth.finish(
        request.app[SERVICES], state, query_text(request, "code"), query_text(request, "error")
    )
    return web.Response(body=completed.model_dump_json(), content_type="application/json")


def setup(app: web.Application) -> None:
    app.router.add_post("/api/sources", create_source)
    app.router.add_get("/api/sources", list_sources)
    app.router.add_get("/api/sources/{id}", get_source)
    app.router.add_patch("/api/sources/{id}", patch_source)
    app.router.add_delete("/api/sources/{id}", delete_source)
    app.router.add_post("/api/sources/{id}/test", test_source)
    app.router.add_post("/api/sources/{id}/oauth/start", start_oauth)
    app.router.add_get(oauth.CALLBACK_PATH, oauth_callback)
    describe(
        "POST",
        "/api/sources",
        request=SourceCreate,
        response=AdminSource,
        status=201,
        query=("allow_unknown_type",),
        summary="Create a source (a source_type no connector declares: allow_unknown_type=true).",
    )
    describe("GET", "/api/sources", response=list[AdminSource], query=("source_type", "limit"))
    describe("GET", "/api/sources/{id}", response=AdminSource)
    describe("PATCH", "/api/sources/{id}", request=SourcePatch, response=AdminSource)
    describe("POST", "/api/sources/{id}/test", response=SourceTestResult)
    describe(
        "POST",
        "/api/sources/{id}/oauth/start",
        request=OAuthStartBody,
        response=OAuthStarted,
        body_required=False,
    )
    describe(
        "GET",
        oauth.CALLBACK_PATH,
        response=OAuthCompleted,
        query=("code", "state", "error"),
        summary="OAuth redirect target; no admin token (the one-time state authenticates).",
    )
