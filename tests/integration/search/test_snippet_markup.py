"""Search snippets are escaped text whose only markup is the ``<b>``…``</b>`` highlight (issue 19,
item 6): a document's own HTML never reaches a page that renders snippets."""

from __future__ import annotations

import html
import re

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient

from sluice_manager.search.models import SearchHit
from tests.integration.indexer import factories as f
from tests.integration.search.conftest import ADMIN_TOKEN
from tests.integration.search.test_cli import sluice
from tests.integration.search.test_search import index, search

Client = TestClient[web.Request, web.Application]

HOSTILE = (
    'Quarterly report <img src=x onerror=alert(1)> for the lighthouse keepers & "friends".\n'
    "<script>alert('lighthouse')</script> A closing <b>note</b> about the lighthouse.\n"
    # The private-use characters the query uses as highlight sentinels, inside the document.
    "Sentinels \ue000lighthouse\ue001 in the text."
)


async def test_snippet_escapes_document_html_and_keeps_only_highlight_markup(
    client: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        blob = await f.add_blob(conn, HOSTILE)
    await index(db_pool, db_url, source, [f.created("hostile", blob, title="Report")])

    body = await search(client, q="lighthouse")
    [hit] = body["results"]
    snippet = hit["snippet"]

    assert "<b>lighthouse</b>" in snippet
    # Every tag left is a highlight marker; the document's tags arrive as text.
    assert set(re.findall(r"<[^>]*>", snippet)) == {"<b>", "</b>"}
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet
    assert "&amp;" in snippet
    assert "\ue000" not in snippet
    assert "\ue001" not in snippet
    # Removing the markers and unescaping gives back the document's words.
    text = html.unescape(snippet.replace("<b>", "").replace("</b>", ""))
    assert "<img src=x onerror=alert(1)>" in text
    assert "'lighthouse'" in text


async def test_cli_prints_the_snippet_as_plain_text(
    client: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        blob = await f.add_blob(conn, HOSTILE)
    await index(db_pool, db_url, source, [f.created("hostile", blob, title="Report")])
    url = str(client.make_url("/"))
    code, out, err = await sluice(
        "search", "lighthouse", "--url", url, env={"SLUICE_ADMIN_TOKEN": ADMIN_TOKEN}
    )
    assert code == 0, err
    assert '<img src=x onerror=alert(1)> for the *lighthouse* keepers & "friends"' in out
    assert "&lt;" not in out
    assert "&amp;" not in out


def test_openapi_says_what_a_snippet_is() -> None:
    schema = SearchHit.model_json_schema()["properties"]["snippet"]
    assert "escaped" in schema["description"]
