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


@dataclass(frozen=True, slots=True)
class SearchLimits:
    """How much work one search does. A query of several lexemes, not a phrase, expected to match
    more than ``cap`` documents ranks at most ``candidates`` documents of its title tier
    (search.sql), and its total is then a lower bound."""

    cap: int = 10_000
    candidates: int = 1000


LIMITS = SearchLimits()

Ranked = tuple[list[asyncpg.Record], int, bool]


async def _rank(
    conn: asyncpg.Connection, p: SearchParams, plan: asyncpg.Record, limits: SearchLimits
) -> Ranked:
    """The page's (id, score) rows, best first, the total and whether it is a lower bound."""
    tsq, tokens = plan["tsq"], plan["tokens"]
    scope = (p.source_id, tokens)
    if plan["nodes"] == 1:
        # One lexeme: documents with it in their title outrank all others, and title_tsv ranks
        # them as tsv does (docs/performance.md), so a full page from that tier is exact.
        rows = await conn.fetch(
            QUERIES.search_rank_title_tier, tsq, *scope, p.limit, p.offset, plan["negated"]
        )
        if len(rows) == p.limit:
            return rows, rows[0]["matched"], True
    elif not plan["phrase"] and await conn.fetchval(QUERIES.search_estimate, tsq) > limits.cap:
        # Several lexemes and many matches: the best of the title tier, fully ranked. A phrase
        # always takes the full ranking below: its top 20 stays exact, whatever it costs.
        rows = await conn.fetch(
            QUERIES.search_rank_candidates,
            tsq,
            *scope,
            p.limit,
            p.offset,
            plan["any_query"],
            limits.candidates,
        )
        if len(rows) == p.limit:
            return rows, rows[0]["matched"], True
    # Few matches, or a tier that ran out before the page did: rank every visible match.
    rows = await conn.fetch(QUERIES.search_rank_all, tsq, *scope, p.limit, p.offset)
    if rows:
        return rows, rows[0]["matched"], False
    if p.offset == 0:
        return rows, 0, False
    # A page past the end: count the matches themselves, up to the cap.
    total = await conn.fetchval(QUERIES.search_count_capped, tsq, *scope, limits.cap + 1)
    return rows, total, total > limits.cap


async def search_documents(
    pool: asyncpg.Pool, p: SearchParams, limits: SearchLimits = LIMITS
) -> dict[str, Any]:
    """One page of hits, best first, and the number of matches (``SearchResponse``): exact, or,
    when only a tier was ranked, a lower bound (``total_is_lower_bound``)."""
    async with pool.acquire() as conn:
        plan = await conn.fetchrow(QUERIES.search_prepare, p.q, p.user, p.domain)
        if not plan["nodes"]:  # nothing but stop words: matches nothing
            return {"results": [], "total": 0, "total_is_lower_bound": False}
        ranked, total, lower_bound = await _rank(conn, p, plan, limits)
        page = await conn.fetch(QUERIES.search_page, [r["id"] for r in ranked], plan["tsq"])
    scores = {r["id"]: float(r["score"]) for r in ranked}
    results = [
        {
            "document_id": r["id"],
            "source_id": r["source_id"],
            "external_id": r["external_id"],
            "title": r["title"],
            "url": r["url"],
            "snippet": snippet_markup(r["snippet"]),
            "score": scores[r["id"]],
        }
        for r in page
    ]
    return {"results": results, "total": total, "total_is_lower_bound": lower_bound}


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
