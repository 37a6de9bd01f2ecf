"""Search and document reads over ``documents``, through the named queries of ``search.sql``.

The indexer writes the documents; these only read them. A search may be made as seen by one user:
the query's permission filter admits what the user, or the user's e-mail domain, may read.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from sluice_sql.query_loader import QUERIES

# documents.id is a bigint; anything larger cannot name a document.
MAX_DOCUMENT_ID = 2**63 - 1

# The highlight markers search_documents asks ts_headline for (removed from the text beforehand).
_START, _STOP = "\ue000", "\ue001"


def snippet_markup(headline: str | None) -> str:
    """The snippet as HTML-escaped text whose only markup is ``<b>``…``</b>`` around the matches:
    ts_headline copies the document's own text, tags included, so everything else is escaped."""
    escaped = html.escape(headline or "", quote=True)
    return escaped.replace(_START, "<b>").replace(_STOP, "</b>")


@dataclass(frozen=True, slots=True)
class SearchParams:
    q: str
    source_id: str | None
    user: str | None
    domain: str | None
    limit: int
    offset: int

    @classmethod
    def of(
        cls, q: str, *, source_id: str | None, user: str | None, limit: int, offset: int
    ) -> SearchParams:
        """Parameters for ``q``; ``user`` (an e-mail, compared lower-case) also names a domain."""
        user = (user or "").strip().lower() or None
        domain = None
        if user is not None and "@" in user:
            domain = user.rpartition("@")[2] or None
        return cls(q, source_id, user, domain, limit, offset)


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def search_documents(pool: asyncpg.Pool, p: SearchParams) -> dict[str, Any]:
    """One page of hits, best first, and the total number of matches (``SearchResponse``)."""
    rows = await pool.fetch(
        QUERIES.search_documents, p.q, p.source_id, p.user, p.domain, p.limit, p.offset
    )
    results = [
        {
            "document_id": r["id"],
            "source_id": r["source_id"],
            "external_id": r["external_id"],
            "title": r["title"],
            "url": r["url"],
            "snippet": snippet_markup(r["snippet"]),
            "score": float(r["score"]),
        }
        for r in rows
        if r["id"] is not None
    ]
    total = rows[0]["total"] if rows else 0
    return {"results": results, "total": total}


async def read_document(pool: asyncpg.Pool, document_id: int) -> dict[str, Any] | None:
    """The document (``DocumentBody``), or None when there is none with this id."""
    row = await pool.fetchrow(QUERIES.select_document, document_id)
    if row is None:
        return None
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
