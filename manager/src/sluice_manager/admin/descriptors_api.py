"""``/api/descriptors``: the catalog of declarative connector descriptors (docs/descriptor.md).

Descriptors travel as text, YAML or JSON, whatever the Content-Type says: the body is the file.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.admin.common import query_choice, query_limit, query_text, read_body
from sluice_manager.catalog import service
from sluice_manager.catalog.models import (
    STATUSES,
    VISIBILITIES,
    DescriptorDetail,
    DescriptorPatch,
    DescriptorSummary,
    DescriptorVersions,
    PushResult,
    Status,
    ValidationReport,
    Visibility,
)
from sluice_manager.catalog.repository import page, summary
from sluice_manager.http.body import read_bytes
from sluice_manager.http.errors import bad_request, json_response, not_found
from sluice_manager.openapi import describe
from sluice_manager.services import SERVICES

_PATCH = TypeAdapter(DescriptorPatch)
_STATUS = TypeAdapter(Status)
_VISIBILITY = TypeAdapter(Visibility)


async def _text(request: web.Request) -> str:
    """The body as text: 413 beyond the JSON body limit, 400 unless it is UTF-8."""
    data = await read_bytes(request, request.app[SERVICES].settings.max_json_body_bytes)
    try:
        return data.decode("utf-8-sig")  # a byte order mark, as some editors write, is dropped
    except UnicodeDecodeError:
        raise bad_request("the descriptor must be UTF-8 text (YAML or JSON)") from None


def _path_part(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if "\x00" in value:  # Postgres could never have stored it
        raise not_found("descriptor not found")
    return value


def _dump(model: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=model.model_dump_json(), content_type="application/json"
    )


async def validate_descriptor(request: web.Request) -> web.Response:
    max_depth = request.app[SERVICES].settings.max_json_depth
    return _dump(service.validate_text(await _text(request), max_depth=max_depth))


async def push_descriptor(request: web.Request) -> web.Response:
    status = query_choice(request, "status", STATUSES)
    visibility = query_choice(request, "visibility", VISIBILITIES)
    text = await _text(request)
    services = request.app[SERVICES]
    result = await service.push(
        services.pool,
        text,
        status=None if status is None else _STATUS.validate_python(status),
        visibility=None if visibility is None else _VISIBILITY.validate_python(visibility),
        now=services.clock.now(),
        max_depth=services.settings.max_json_depth,
    )
    return _dump(result, 201 if result.outcome == "created" else 200)


async def list_descriptors(request: web.Request) -> web.Response:
    rows = await page(
        request.app[SERVICES].pool,
        category=query_text(request, "category"),
        tag=query_text(request, "tag"),
        status=query_choice(request, "status", STATUSES),
        visibility=query_choice(request, "visibility", VISIBILITIES),
        slug=query_text(request, "slug"),
        text=query_text(request, "q"),
        limit=query_limit(request),
    )
    return json_response([summary(row).model_dump(mode="json") for row in rows])


async def get_versions(request: web.Request) -> web.Response:
    return _dump(
        await service.list_versions(request.app[SERVICES].pool, _path_part(request, "slug"))
    )


async def get_descriptor(request: web.Request) -> web.Response:
    slug, version = _path_part(request, "slug"), _path_part(request, "version")
    return _dump(await service.get_version(request.app[SERVICES].pool, slug, version))


async def patch_descriptor(request: web.Request) -> web.Response:
    patch = await read_body(request, _PATCH)
    slug, version = _path_part(request, "slug"), _path_part(request, "version")
    services = request.app[SERVICES]
    changed = await service.change_state(services.pool, slug, version, patch, services.clock.now())
    return _dump(changed)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/descriptors/validate", validate_descriptor)
    app.router.add_post("/api/descriptors", push_descriptor)
    app.router.add_get("/api/descriptors", list_descriptors)
    app.router.add_get("/api/descriptors/{slug}", get_versions)
    app.router.add_get("/api/descriptors/{slug}/{version}", get_descriptor)
    app.router.add_patch("/api/descriptors/{slug}/{version}", patch_descriptor)
    text_body = "The descriptor as YAML or JSON text (any Content-Type)."
    describe(
        "POST",
        "/api/descriptors/validate",
        request=dict[str, Any],
        response=ValidationReport,
        summary=f"Validate a descriptor without storing it. {text_body}",
    )
    describe(
        "POST",
        "/api/descriptors",
        request=dict[str, Any],
        response=PushResult,
        status=201,
        query=("status", "visibility"),
        summary=f"Push a descriptor version (201 created, 200 otherwise). {text_body}",
    )
    describe(
        "GET",
        "/api/descriptors",
        response=list[DescriptorSummary],
        query=("category", "tag", "status", "visibility", "slug", "q", "limit"),
    )
    describe("GET", "/api/descriptors/{slug}", response=DescriptorVersions)
    describe(
        "GET",
        "/api/descriptors/{slug}/{version}",
        response=DescriptorDetail,
        summary="One version; `latest` is the highest published version, else the highest.",
    )
    describe(
        "PATCH",
        "/api/descriptors/{slug}/{version}",
        request=DescriptorPatch,
        response=DescriptorSummary,
    )
