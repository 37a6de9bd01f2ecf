"""GET /api/search and GET /api/documents/{id} over documents written by the real indexer."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from sluice_indexer.worker import Worker
from tests.integration.indexer import factories as f
from tests.integration.search.conftest import HEADERS
from tests.integration.search.corpus import CORPUS

Client = TestClient[web.Request, web.Application]


async def index(pool: asyncpg.Pool, db_url: str, source: str, events: list[dict[str, Any]]) -> None:
    async with pool.acquire() as conn:
        run = await f.add_run(conn, source)
        await f.enqueue(conn, source, run, events)
    await Worker(pool, f.settings(db_url)).run(burst=True)


async def corpus_source(pool: asyncpg.Pool, db_url: str) -> str:
    async with pool.acquire() as conn:
        source = await f.add_source(conn)
        events = [
            f.created(key, await f.add_blob(conn, text), title=title, url=f"https://books/{key}")
            for key, (title, text) in CORPUS.items()
        ]
    await index(pool, db_url, source, events)
    return source


async def search(client: Client, **params: Any) -> dict[str, Any]:
    resp = await client.get("/api/search", params=params, headers=HEADERS)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("whale harpooneers", "moby-dick"),
        ("natural selection of species", "origin"),
        ("single man in want of a wife", "pride"),
        ("lived alone in the woods by the pond", "walden"),
        ('"best of times"', "two-cities"),
    ],
)
async def test_obviously_relevant_document_ranks_first(
    client: Client, db_pool: asyncpg.Pool, db_url: str, query: str, expected: str
) -> None:
    await corpus_source(db_pool, db_url)
    body = await search(client, q=query)
    assert body["results"][0]["external_id"] == expected
    assert body["total"] == len(body["results"])


async def test_result_shape_and_snippet(client: Client, db_pool: asyncpg.Pool, db_url: str) -> None:
    source = await corpus_source(db_pool, db_url)
    body = await search(client, q="whale")
    [hit] = body["results"]
    assert set(hit) == {
        "document_id",
        "source_id",
        "external_id",
        "title",
        "url",
        "snippet",
        "score",
    }
    assert hit["source_id"] == source
    assert hit["title"] == "Moby-Dick; or, The Whale"
    assert hit["url"] == "https://books/moby-dick"
    assert "<b>whale</b>" in hit["snippet"]
    assert hit["score"] > 0
    assert body["total"] == 1


async def test_title_weighs_above_body(client: Client, db_pool: asyncpg.Pool, db_url: str) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        body_only = await f.add_blob(conn, "A note about lighthouses and the keepers of them.")
        plain = await f.add_blob(conn, "Stone towers on rocky coasts, with lamps at the top.")
    await index(
        db_pool,
        db_url,
        source,
        [
            f.created("body", body_only, title="Coastal notes"),
            f.created("title", plain, title="Lighthouses"),
        ],
    )
    body = await search(client, q="lighthouse")
    assert [r["external_id"] for r in body["results"]] == ["title", "body"]


async def test_source_filter_and_pagination(
    client: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    first = await corpus_source(db_pool, db_url)
    second = await corpus_source(db_pool, db_url)
    everything = await search(client, q="it was the age of wisdom or the whale")
    assert everything["total"] == 4  # two documents in each of two sources
    only = await search(client, q="whale", source_id=second)
    assert [r["source_id"] for r in only["results"]] == [second]
    page = await search(client, q="times OR whale", limit=1, offset=1)
    assert page["total"] == 4
    assert len(page["results"]) == 1
    beyond = await search(client, q="whale", offset=10)
    assert beyond == {"results": [], "total": 2, "total_is_lower_bound": False}
    assert first != second


async def test_permission_filter(client: Client, db_pool: asyncpg.Pool, db_url: str) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        other = await f.add_source(conn)
        blob = await f.add_blob(conn, "Quarterly harbour report with tide tables.")

    def perms(users: list[str] = [], groups: list[str] = []) -> dict[str, Any]:  # noqa: B006
        return {"public": False, "users": users, "groups": groups}

    await index(
        db_pool,
        db_url,
        source,
        [
            f.created("public", blob, permissions=f.PUBLIC),
            f.created("mine", blob, permissions=perms(users=["Ann@Example.org"])),
            f.created("team", blob, permissions=perms(groups=["Crew@example.org"])),
            f.created("domain", blob, permissions=perms(groups=["EXAMPLE.org"])),
            f.created("secret", blob, permissions=perms(users=["bob@example.org"])),
            f.created("foreign", blob, permissions=perms(groups=["elsewhere@example.org"])),
            f.group_sync("crew@example.org", ["ann@example.org"]),
        ],
    )
    # Membership of the same group email in another source grants nothing here.
    await index(
        db_pool, db_url, other, [f.group_sync("elsewhere@example.org", ["ann@example.org"])]
    )

    async def visible(user: str | None) -> set[str]:
        params = {"q": "harbour"} | ({"user": user} if user else {})
        return {r["external_id"] for r in (await search(client, **params))["results"]}

    assert await visible("ann@EXAMPLE.org") == {"public", "mine", "team", "domain"}
    assert await visible("carl@example.org") == {"public", "domain"}
    assert await visible("dora@elsewhere.net") == {"public"}
    assert await visible(None) == {"public", "mine", "team", "domain", "secret", "foreign"}
    assert (await search(client, q="harbour", user="dora@elsewhere.net"))["total"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "   "},
        {"q": "x", "limit": "ten"},
        {"q": "x", "limit": "101"},
        {"q": "x", "limit": "0"},
        {"q": "x", "offset": "-1"},
    ],
)
async def test_bad_parameters_are_400_envelopes(client: Client, params: dict[str, str]) -> None:
    resp = await client.get("/api/search", params=params, headers=HEADERS)
    assert resp.status == 400
    body = await resp.json()
    assert set(body) == {"error"}


async def test_search_needs_the_admin_token(client: Client) -> None:
    resp = await client.get("/api/search", params={"q": "x"})
    assert resp.status == 401
    assert "error" in await resp.json()


async def test_stop_words_only_query_finds_nothing(
    client: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    await corpus_source(db_pool, db_url)
    assert await search(client, q="the and of") == {
        "results": [],
        "total": 0,
        "total_is_lower_bound": False,
    }


async def test_get_document(client: Client, db_pool: asyncpg.Pool, db_url: str) -> None:
    await corpus_source(db_pool, db_url)
    [hit] = (await search(client, q="Ishmael"))["results"]
    resp = await client.get(f"/api/documents/{hit['document_id']}", headers=HEADERS)
    assert resp.status == 200
    doc = await resp.json()
    assert doc["external_id"] == "moby-dick"
    assert doc["content"].startswith("Call me Ishmael.")
    assert doc["permissions"] == f.PUBLIC
    assert doc["metadata"] == {
        "title": "Moby-Dick; or, The Whale",
        "url": "https://books/moby-dick",
    }
    assert doc["created_at"].endswith("Z")
    for missing in ("999999", "abc", "99999999999999999999999"):
        resp = await client.get(f"/api/documents/{missing}", headers=HEADERS)
        assert resp.status == 404
        assert set(await resp.json()) == {"error"}


async def test_more_matching_terms_rank_higher(
    client: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    await corpus_source(db_pool, db_url)
    body = await search(client, q="winter or ice or pond or despair or spring")
    # Both Walden and A Tale of Two Cities mention winter; Walden is about the pond and its ice.
    ids = [r["external_id"] for r in body["results"]]
    assert ids[0] == "walden"
    assert "two-cities" in ids
    body = await search(client, q="winter or despair or hope or spring")
    assert [r["external_id"] for r in body["results"]][:2] == ["two-cities", "walden"]
