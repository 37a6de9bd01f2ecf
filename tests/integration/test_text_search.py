"""The text-search functions of migration 0009, shared by the indexer and search.

The indexer writes documents.tsv with ``sluice_document_tsv_v1`` and search reads queries with
``sluice_search_query_v1``; the planner inlines both (no cost over the spelled-out expressions),
and search still finds its rows through the GIN index on documents.tsv.
"""

from __future__ import annotations

import re

import asyncpg
import pytest

from sluice_indexer.worker import Worker
from sluice_manager.search.reads import SearchParams, search_documents
from sluice_sql.query_loader import QUERIES
from tests.integration.indexer import factories as f

_FUNCTIONS = re.compile(r"\b(to_tsvector|websearch_to_tsquery|ts_headline|to_tsquery)\s*\(")
# search_rank_all: tsquery, source, reader tokens, limit, offset.
_SEARCH_ARGS = ("whale", None, None, 10, 0)


def _params(q: str) -> SearchParams:
    return SearchParams.of(q, source_id=None, user=None, limit=10, offset=0)


async def _generic_plan(conn: asyncpg.Connection, query: str, arguments: int) -> str:
    """EXPLAIN VERBOSE of the plan a reused prepared statement may run: the generic one."""
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    await conn.execute("PREPARE planned AS " + QUERIES[query].sql)
    try:
        nulls = ", ".join(["NULL"] * arguments)
        rows = await conn.fetch("EXPLAIN (VERBOSE) EXECUTE planned(" + nulls + ")")
    finally:
        await conn.execute("DEALLOCATE planned")
    return "\n".join(r[0] for r in rows)


def test_every_query_analyses_text_through_the_shared_functions() -> None:
    spelled_out = {name: q.sql for name, q in QUERIES.items() if _FUNCTIONS.search(q.sql)}
    assert spelled_out == {}
    assert "sluice_document_tsv_v1(" in QUERIES.upsert_documents
    assert "sluice_document_tsv_v1(" in QUERIES.repair_tsv
    assert "sluice_search_query_v1(" in QUERIES.search_prepare
    assert "sluice_search_headline_v1(" in QUERIES.search_page


async def test_indexer_writes_the_tsv_search_matches(db_pool: asyncpg.Pool, db_url: str) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        first = await f.add_blob(conn, "The harpooneers watched the spouting whales.")
        second = await f.add_blob(conn, "Rewritten: the ships were sailing north.")
        await f.enqueue(conn, source, run, [f.created("d", first, title="Hunting")])
    await Worker(db_pool, f.settings(db_url)).run(burst=True)
    async with db_pool.acquire() as conn:
        found = await search_documents(db_pool, _params("whale"))
        await f.enqueue(conn, source, run, [f.updated("d", second, title="Sailing")])
    await Worker(db_pool, f.settings(db_url)).run(burst=True)
    async with db_pool.acquire() as conn:
        stored = await conn.fetchrow(
            "SELECT tsv, sluice_document_tsv_v1(title, content) AS expected FROM documents"
        )
    after = (await search_documents(db_pool, _params("sail")))["results"]
    # Stemming on both sides: "whale" finds "whales", "sail" finds "Sailing" and "sailing".
    assert [r["external_id"] for r in found["results"]] == ["d"]
    assert found["total"] == 1
    assert "<b>whales</b>" in found["results"][0]["snippet"]
    assert stored is not None
    assert stored["tsv"] == stored["expected"]
    assert [r["external_id"] for r in after] == ["d"]


@pytest.mark.parametrize(
    ("query", "arguments"), [("upsert_documents", 12), ("repair_tsv", 1), ("search_prepare", 3)]
)
async def test_the_functions_are_inlined(db_pool: asyncpg.Pool, query: str, arguments: int) -> None:
    """An inlined call is the expression itself: indexing costs what it cost before 0009."""
    async with db_pool.acquire() as conn:
        plan = await _generic_plan(conn, query, arguments)
    assert "sluice_" not in plan, plan
    assert _FUNCTIONS.search(plan), plan


@pytest.mark.parametrize("generic", [False, True], ids=["custom_plan", "generic_plan"])
async def test_search_matches_through_the_gin_index(db_pool: asyncpg.Pool, generic: bool) -> None:
    """style.md item 2: search must not scan every document (cf. the claim's plan test)."""
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO documents (source_id, external_id, title, content, last_seq, tsv)"
            " SELECT 's', 'd' || g, 'title ' || g, md5(g::text) || ' whale ' || g, g,"
            " sluice_document_tsv_v1('title ' || g, md5(g::text) || ' whale ' || g)"
            " FROM generate_series(1, 2000) g"
        )
        await conn.execute("ANALYZE documents")
        # A test table is small enough that a full scan looks cheap; a real one is not.
        await conn.execute("SET enable_seqscan = off")
        if generic:
            plan = await _generic_plan(conn, "search_rank_all", 5)
        else:
            rows = await conn.fetch("EXPLAIN " + QUERIES.search_rank_all, *_SEARCH_ARGS)
            plan = "\n".join(r[0] for r in rows)
    assert re.search(r"Bitmap Index Scan on (public\.)?documents_tsv_idx", plan), plan
    assert re.search(r"Index Cond: \((\w+\.)?tsv @@ ", plan), plan
    assert "Seq Scan" not in plan, plan
