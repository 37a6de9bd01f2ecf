"""Search and document pages: a document's own HTML arrives as text, only the match highlight is
markup, and no link points at a script."""

from __future__ import annotations

import re

import asyncpg
from aiohttp.test_utils import TestClient

from tests.integration.console.html_audit import audit
from tests.integration.indexer import factories as f
from tests.integration.search.test_search import index

HOSTILE = (
    'Quarterly report <img src=x onerror=alert(1)> for the lighthouse keepers & "friends".\n'
    "<script>alert('lighthouse')</script> A closing <b>note</b> about the lighthouse.\n"
)


async def _hostile_document(pool: asyncpg.Pool, db_url: str) -> tuple[str, int]:
    async with pool.acquire() as conn:
        source = await f.add_source(conn)
        blob = await f.add_blob(conn, HOSTILE)
    event = f.created(
        "hostile", blob, title="<script>alert('title')</script>", url="javascript:alert(1)"
    )
    await index(pool, db_url, source, [event])
    document_id = await pool.fetchval("SELECT id FROM documents WHERE source_id = $1", source)
    return source, int(document_id)


async def test_a_snippet_shows_matches_as_mark_and_the_document_html_as_text(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool, db_url: str
) -> None:
    client, _ = ui
    source, document_id = await _hostile_document(db_pool, db_url)

    resp = await client.get("/ui/search", params={"q": "lighthouse", "source_id": source})
    assert resp.status == 200
    html = await resp.text()
    [result] = re.findall(r'<li class="result">(.*?)</li>', html, re.S)
    assert f'href="/ui/documents/{document_id}"' in result
    assert "<mark>lighthouse</mark>" in result
    assert "&lt;img src=x onerror=alert(1)&gt;" in result
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in result
    page = audit(html)
    assert page.inline_scripts == 0
    assert page.event_attributes == []
    assert page.javascript_urls == []
    assert page.unlabelled == []
    assert {"q", "source_id", "user"} <= set(page.fields)


async def test_the_document_page_escapes_content_and_links_no_script(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool, db_url: str
) -> None:
    client, _ = ui
    _, document_id = await _hostile_document(db_pool, db_url)
    resp = await client.get(f"/ui/documents/{document_id}")
    assert resp.status == 200
    html = await resp.text()
    assert "&lt;script&gt;alert(&#39;lighthouse&#39;)&lt;/script&gt;" in html
    page = audit(html)
    assert page.inline_scripts == 0
    assert page.event_attributes == []
    assert page.javascript_urls == []
    assert "javascript:alert(1)" in "".join(page.text)  # shown as text, not as a link

    missing = await client.get("/ui/documents/999999")
    assert missing.status == 404
    assert (await client.get("/ui/documents/not-a-number")).status == 404
