"""``/ui/search`` and ``/ui/documents/{id}``: the search reads of ``sluice_manager.search``.

A snippet arrives as HTML-escaped text whose only markup is ``<b>`` around the matches
(``snippet_markup``); the page shows those as ``<mark>`` and nothing else of the document as
markup. Every other document value is escaped by the template.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from markupsafe import Markup

from sluice_manager.console.render import render, services_of
from sluice_manager.http.errors import HttpError
from sluice_manager.search.reads import (
    MAX_DOCUMENT_ID,
    SearchParams,
    read_document,
    search_documents,
)
from sluice_sql.query_loader import QUERIES

PAGE_SIZE = 20
MAX_QUERY_CHARS = 1000


def marked(snippet: str) -> Markup:
    """The snippet's match markers as ``<mark>``; it is escaped already (see the module doc)."""
    return Markup(snippet.replace("<b>", "<mark>").replace("</b>", "</mark>"))


def safe_link(url: str | None) -> str | None:
    """A document's URL when it is one a link may point at (never ``javascript:`` and kin)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _text(request: web.Request, name: str) -> str:
    value = request.query.get(name, "").strip()
    if "\x00" in value:
        raise HttpError(400, f"{name} must not contain NUL characters")
    return value


async def search(request: web.Request) -> web.Response:
    q, source_id, user = _text(request, "q"), _text(request, "source_id"), _text(request, "user")
    if len(q) > MAX_QUERY_CHARS:
        raise HttpError(400, f"the query is longer than {MAX_QUERY_CHARS} characters")
    pool = services_of(request).pool
    sources = await pool.fetch(QUERIES.select_sources_page, None, 500)
    results: list[dict[str, Any]] = []
    total = 0
    lower_bound = False
    if q:
        params = SearchParams.of(
            q, source_id=source_id or None, user=user or None, limit=PAGE_SIZE, offset=0
        )
        found = await search_documents(pool, params)
        total = found["total"]
        lower_bound = bool(found.get("total_is_lower_bound"))
        results = [
            {**hit, "snippet": marked(hit["snippet"]), "url": safe_link(hit["url"])}
            for hit in found["results"]
        ]
    context = {
        "q": q,
        "source_id": source_id,
        "user": user,
        "sources": sources,
        "results": results,
        "total": total,
        "lower_bound": lower_bound,
    }
    return render(request, "search.html.j2", context)


async def document(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_DOCUMENT_ID:
        raise HttpError(404, f"document {raw} not found")
    found = await read_document(services_of(request).pool, int(raw))
    if found is None:
        raise HttpError(404, f"document {raw} not found")
    found["link"] = safe_link(found["url"])
    return render(request, "document.html.j2", {"doc": found})


def setup(app: web.Application) -> None:
    app.router.add_get("/search", search)
    app.router.add_get("/documents/{id}", document)
