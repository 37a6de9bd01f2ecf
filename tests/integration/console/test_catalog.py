"""Catalog pages: a pasted descriptor's problems at their lines, push as a draft, publish,
archive, and a published descriptor's source form."""

from __future__ import annotations

import re

import asyncpg
from aiohttp.test_utils import TestClient

from tests.integration.catalog.descriptors import INVALID_YAML, SLUG, document, text
from tests.integration.console.html_audit import audit
from tests.support.thirdparty import RunningServer, httpbin_server

__all__ = ["httpbin_server"]


async def test_validate_lists_each_problem_at_its_line(ui: tuple[TestClient, str]) -> None:
    client, csrf = ui
    form = await client.get("/ui/catalog/validate")
    page = audit(await form.text())
    assert "descriptor" in page.fields
    assert page.unlabelled == []

    resp = await client.post(
        "/ui/catalog/validate",
        data={"csrf_token": csrf, "descriptor": INVALID_YAML, "action": "validate"},
    )
    assert resp.status == 200
    html = await resp.text()
    [problem] = re.findall(r'<li class="problem">(.*?)</li>', html, re.S)
    assert "line 13, column 20" in problem
    assert "oauth2_client_credentials" in problem
    assert "auth_type_ref" in audit(html).ids["descriptor"]  # the pasted text is kept

    valid = await client.post(
        "/ui/catalog/validate",
        data={"csrf_token": csrf, "descriptor": text(document()), "action": "validate"},
    )
    assert "The descriptor is valid." in await valid.text()


async def test_push_publish_archive(ui: tuple[TestClient, str], db_pool: asyncpg.Pool) -> None:
    client, csrf = ui
    refused = await client.post(
        "/ui/catalog/validate",
        data={"csrf_token": csrf, "descriptor": INVALID_YAML, "action": "push"},
    )
    assert refused.status == 422
    assert '<li class="problem">' in await refused.text()

    resp = await client.post(
        "/ui/catalog/validate",
        data={"csrf_token": csrf, "descriptor": text(document()), "action": "push"},
        allow_redirects=False,
    )
    assert (resp.status, resp.headers["Location"]) == (303, f"/ui/catalog/{SLUG}/1.0.0")
    version = await client.get(f"/ui/catalog/{SLUG}/1.0.0")
    html = await version.text()
    assert audit(html).ids["descriptor-status"] == "draft"
    assert ">Publish</button>" in html

    await client.post(f"/ui/catalog/{SLUG}/1.0.0/publish", data={"csrf_token": csrf})
    status = "SELECT status FROM descriptors WHERE slug = $1 AND version = $2"
    assert await db_pool.fetchval(status, SLUG, "1.0.0") == "published"
    listing = await (await client.get("/ui/catalog")).text()
    published = listing.split('id="status-published"')[1].split("</section>")[0]
    assert f'href="/ui/catalog/{SLUG}/1.0.0"' in published
    versions = await client.get(f"/ui/catalog/{SLUG}")
    assert "1.0.0" in await versions.text()

    # A published descriptor offers a source form built from its fields.
    form = await client.get("/ui/sources/new", params={"descriptor": SLUG})
    assert form.status == 200
    assert "&#34;base_url&#34;" in await form.text()

    await client.post(f"/ui/catalog/{SLUG}/1.0.0/archive", data={"csrf_token": csrf})
    assert await db_pool.fetchval(status, SLUG, "1.0.0") == "archived"
    # Archived is final: publishing again is refused with the catalog's own status.
    again = await client.post(f"/ui/catalog/{SLUG}/1.0.0/publish", data={"csrf_token": csrf})
    assert again.status == 409
    assert again.content_type == "text/html"
    assert (await client.get("/ui/catalog/no-such-descriptor")).status == 404


async def test_a_source_from_a_published_descriptor(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool, httpbin_server: RunningServer
) -> None:
    client, csrf = ui
    pushed = await client.post(
        "/ui/catalog/validate",
        data={"csrf_token": csrf, "descriptor": text(document()), "action": "push"},
    )
    assert pushed.status == 200
    await client.post(f"/ui/catalog/{SLUG}/1.0.0/publish", data={"csrf_token": csrf})
    choices = await (await client.get("/ui/sources/new")).text()
    assert f'href="/ui/sources/new?descriptor={SLUG}"' in choices

    create = {
        "csrf_token": csrf,
        "descriptor": SLUG,
        "name": "Echo",
        "sync_interval_seconds": "3600",
        "config_json": f'{{"base_url": "{httpbin_server.base_url}"}}',
        "credentials_json": '{"username": "alice", "password": "s3cret"}',
    }
    wrong = await client.post(
        "/ui/sources", data={**create, "credentials_json": '{"username": "alice"}'}
    )
    assert wrong.status == 422
    assert "password: required" in await wrong.text()

    resp = await client.post("/ui/sources", data=create, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    source_id = resp.headers["Location"].rsplit("/", 1)[1]
    row = await db_pool.fetchrow(
        "SELECT descriptor_slug, descriptor_version, config FROM sources WHERE id = $1", source_id
    )
    assert (row["descriptor_slug"], row["descriptor_version"]) == (SLUG, "1.0.0")
    assert row["config"] == {"base_url": httpbin_server.base_url, "page_size": 10}

    edit = await client.get(f"/ui/sources/{source_id}/edit")
    assert "s3cret" not in await edit.text()
    # Saved with the password left empty: the stored one still passes the credentials test.
    save = {**create, "name": "Echo 2", "credentials_json": '{"username": "", "password": ""}'}
    resp = await client.post(f"/ui/sources/{source_id}/edit", data=save, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    page = await (await client.get(f"/ui/sources/{source_id}")).text()
    assert "Echo 2" in page
    assert "s3cret" not in page
