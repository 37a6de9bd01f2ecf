"""``GET /api/search`` and ``GET /api/documents/{id}``: the query string read and checked here,
the reads in ``sluice_manager.search``."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.http.errors import bad_request, json_response, not_found
from sluice_manager.openapi import describe
from sluice_manager.search.models import DocumentBody, SearchResponse
from sluice_manager.search.reads import (
    MAX_DOCUMENT_ID,
    SearchParams,
    read_document,
    search_documents,
)
from sluice_manager.services import SERVICES

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise bad_request(f"{name} must be an integer") from exc
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}")
    return value


def _text(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if value is not None and "\x00" in value:  # Postgres text cannot hold it
        raise bad_request(f"{name} must not contain NUL characters")
    return value


def parse_params(request: web.Request) -> SearchParams:
    q = (_text(request, "q") or "").strip()
    if not q:
        raise bad_request("missing query parameter q")
    return SearchParams.of(
        q,
        source_id=_text(request, "source_id") or None,
        user=_text(request, "user"),
        limit=_int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_int_param(request, "offset", 0, 0, 1_000_000),
    )


async def search(request: web.Request) -> web.Response:
    params = parse_params(request)
    return json_response(await search_documents(request.app[SERVICES].pool, params))


async def get_document(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_DOCUMENT_ID:
        raise not_found(f"document {raw} not found")
    document = await read_document(request.app[SERVICES].pool, int(raw))
    if document is None:
        raise not_found(f"document {raw} not found")
    return json_response(document)


def setup(app: web.Application) -> None:
    app.router.add_get("/api/search", search)
    app.router.add_get("/api/documents/{id}", get_document)
    describe(
        "GET",
        "/api/search",
        response=SearchResponse,
        query=("q", "source_id", "user", "limit", "offset"),
        summary="Full-text search over indexed documents, optionally as seen by one user",
    )
    describe("GET", "/api/documents/{id}", response=DocumentBody)
