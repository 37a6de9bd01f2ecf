"""Handlers of ``GET /api/search`` and ``GET /api/documents/{id}``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sluice_manager.http.errors import bad_request, json_response, not_found
from sluice_manager.keys import POOL
from sluice_sql.query_loader import QUERIES

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# documents.id is a bigint; anything larger cannot name a document.
MAX_DOCUMENT_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class SearchParams:
    q: str
    source_id: str | None
    user: str | None
    domain: str | None
    limit: int
    offset: int


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


def parse_params(request: web.Request) -> SearchParams:
    q = request.query.get("q", "").strip()
    if not q:
        raise bad_request("missing query parameter q")
    user = request.query.get("user", "").strip().lower() or None
    domain = None
    if user is not None and "@" in user:
        domain = user.rpartition("@")[2] or None
    return SearchParams(
        q=q,
        source_id=request.query.get("source_id") or None,
        user=user,
        domain=domain,
        limit=_int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_int_param(request, "offset", 0, 0, 1_000_000),
    )


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def search(request: web.Request) -> web.Response:
    p = parse_params(request)
    rows = await request.app[POOL].fetch(
        QUERIES.search_documents, p.q, p.source_id, p.user, p.domain, p.limit, p.offset
    )
    results = [
        {
            "document_id": r["id"],
            "source_id": r["source_id"],
            "external_id": r["external_id"],
            "title": r["title"],
            "url": r["url"],
            "snippet": r["snippet"] or "",
            "score": float(r["score"]),
        }
        for r in rows
        if r["id"] is not None
    ]
    total = rows[0]["total"] if rows else 0
    return json_response({"results": results, "total": total})


def _document(row: Any) -> dict[str, Any]:
    return {
        "document_id": row["id"],
        "source_id": row["source_id"],
        "external_id": row["external_id"],
        "title": row["title"],
        "url": row["url"],
        "content": row["content"],
        "content_id": row["content_id"],
        "content_sha256": row["content_sha256"],
        "metadata": row["metadata"],
        "permissions": row["permissions"],
        "attributes": row["attributes"],
        "last_seq": row["last_seq"],
        "sync_run_id": row["last_sync_run_id"],
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
    }


async def get_document(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_DOCUMENT_ID:
        raise not_found(f"document {raw} not found")
    row = await request.app[POOL].fetchrow(QUERIES.select_document, int(raw))
    if row is None:
        raise not_found(f"document {raw} not found")
    return json_response(_document(row))
