"""Every console page: its security headers, no script or style of its own, a label on every
field, the navigation, and never a stored secret."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import (
    START,
    insert_queue_row,
    insert_run,
    register_connector,
)
from tests.integration.catalog.descriptors import SLUG, document, text
from tests.integration.console.html_audit import audit
from tests.integration.indexer import factories as f
from tests.integration.search.test_search import index

SECRET = "pages-secret-9f3b2c1d"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
NAV = ("Connectors", "Sources", "Runs", "Search", "Catalog", "Queue")


async def _populate(client: TestClient, csrf: str, pool: asyncpg.Pool, db_url: str) -> list[str]:
    """One of everything a page shows; the console pages to visit."""
    await register_connector(
        pool,
        source_types=("files",),
        credentials_schema={"type": "object", "properties": {"token": {"type": "string"}}},
    )
    await register_connector(
        pool, connector_id="gone", source_types=("old",), heartbeat_at=START - timedelta(hours=1)
    )
    resp = await client.post(
        "/ui/sources",
        data={
            "csrf_token": csrf,
            "source_type": "files",
            "name": "With a secret",
            "config_json": "{}",
            "credentials_json": f'{{"token": "{SECRET}"}}',
        },
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    source_id = resp.headers["Location"].rsplit("/", 1)[1]
    run_id = await insert_run(pool, source_id, status="completed")
    await insert_queue_row(pool, source_id, status="dead_letter", last_error="failed")
    pushed = await client.post(
        "/ui/catalog/validate",
        data={"csrf_token": csrf, "descriptor": text(document()), "action": "push"},
    )
    assert pushed.status == 200
    async with pool.acquire() as conn:
        blob = await f.add_blob(conn, "The lighthouse keeper's log.")
    await index(pool, db_url, source_id, [f.created("log", blob, title="Log")])
    document_id = await pool.fetchval("SELECT id FROM documents")
    return [
        "/ui/login",
        "/ui/connectors",
        "/ui/sources",
        "/ui/sources/new",
        "/ui/sources/new?source_type=files",
        f"/ui/sources/{source_id}",
        f"/ui/sources/{source_id}/edit",
        "/ui/runs",
        f"/ui/runs?source_id={source_id}",
        f"/ui/runs/{run_id}",
        "/ui/search",
        "/ui/search?q=lighthouse",
        f"/ui/documents/{document_id}",
        "/ui/catalog",
        "/ui/catalog/validate",
        f"/ui/catalog/{SLUG}",
        f"/ui/catalog/{SLUG}/1.0.0",
        "/ui/queue",
    ]


async def test_every_page_is_safe_labelled_and_free_of_secrets(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool, db_url: str
) -> None:
    client, csrf = ui
    for path in await _populate(client, csrf, db_pool, db_url):
        resp = await client.get(path)
        assert resp.status == 200, path
        assert resp.content_type == "text/html", path
        assert resp.headers["Content-Security-Policy"] == CSP, path
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["X-Frame-Options"] == "DENY", path
        html = await resp.text()
        page = audit(html)
        assert page.inline_scripts == 0, path
        assert page.event_attributes == [], path
        assert page.style_attributes == 0, path
        assert page.style_elements == 0, path
        assert page.javascript_urls == [], path
        assert page.unlabelled == [], path
        assert page.unnamed_fields == 0, path
        assert all(src.startswith("/ui/static/") for src in page.script_sources), path
        assert SECRET not in html, path
        if path != "/ui/login":
            for name in NAV:
                assert f">{name}</a>" in html, (path, name)


async def test_errors_inside_the_console_are_pages(ui: tuple[TestClient, str]) -> None:
    client, _ = ui
    for path in ("/ui/no-such-page", "/ui/sources/no-such-source", "/ui/catalog/x/1.0.0"):
        resp = await client.get(path)
        assert resp.status == 404, path
        assert resp.content_type == "text/html", path
        assert resp.headers["Content-Security-Policy"] == CSP
        assert "Error 404" in await resp.text()
    # The API keeps its JSON envelope.
    api = await client.get("/api/sources")
    assert (api.status, api.content_type) == (401, "application/json")


async def test_an_offline_connector_can_be_deleted(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, csrf = ui
    await register_connector(db_pool, source_types=("files",))
    await register_connector(
        db_pool, connector_id="gone", source_types=("old",), heartbeat_at=START - timedelta(hours=1)
    )
    html = await (await client.get("/ui/connectors")).text()
    assert html.count(">Delete</button>") == 1
    assert 'action="/ui/connectors/gone/delete"' in html
    resp = await client.post("/ui/connectors/gone/delete", data={"csrf_token": csrf})
    assert resp.status == 200
    ids = await db_pool.fetch("SELECT connector_id FROM connectors")
    assert [r["connector_id"] for r in ids] == ["conn-1"]
    online = await client.post("/ui/connectors/conn-1/delete", data={"csrf_token": csrf})
    assert online.status == 409
