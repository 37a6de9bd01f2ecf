"""Sources through the console's forms: created, edited, synced, enabled and disabled, deleted,
with the same checks as the admin API; a stored secret never reaches a page."""

from __future__ import annotations

import re
from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient

from sluice_manager.sources.crypto import SecretBox
from sluice_manager.sources.pinning import stored_credential
from tests.integration.admin.factories import (
    KEY,
    START,
    FakeConnector,
    insert_run,
    register_connector,
)
from tests.integration.console.html_audit import audit

SECRET = "s3cret-value-never-shown"
CONFIG_SCHEMA = {
    "type": "object",
    "required": ["roots"],
    "properties": {
        "roots": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "depth": {"type": "integer", "minimum": 0},
    },
}
CREDENTIALS_SCHEMA = {
    "type": "object",
    "properties": {"api_key": {"type": "string", "minLength": 8}, "region": {"type": "string"}},
}


async def _register(pool: asyncpg.Pool, url: str = "http://127.0.0.1:9") -> None:
    await register_connector(
        pool,
        url=url,
        source_types=("files",),
        config_schema=CONFIG_SCHEMA,
        credentials_schema=CREDENTIALS_SCHEMA,
    )


async def _create(client: TestClient, csrf: str, **fields: str) -> str:
    data = {
        "csrf_token": csrf,
        "source_type": "files",
        "name": "Team files",
        "sync_interval_seconds": "900",
        "sync_cron": "",
        "config_json": '{"roots": ["/srv/team"]}',
        "credentials_json": f'{{"api_key": "{SECRET}", "region": "eu"}}',
    }
    data.update(fields)
    resp = await client.post("/ui/sources", data=data, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    location = resp.headers["Location"]
    assert location.startswith("/ui/sources/")
    return location.rsplit("/", 1)[1]


async def _secret(pool: asyncpg.Pool, source_id: str) -> dict[str, object]:
    credential = await stored_credential(pool, source_id, SecretBox(KEY))
    assert credential is not None
    return credential.credentials


async def test_the_new_source_form_is_generated_from_the_manifest_schemas(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, _ = ui
    await _register(db_pool)
    choices = await (await client.get("/ui/sources/new")).text()
    assert 'href="/ui/sources/new?source_type=files"' in choices

    resp = await client.get("/ui/sources/new?source_type=files")
    assert resp.status == 200
    page = audit(await resp.text())
    assert page.unlabelled == []
    assert {"name", "sync_interval_seconds", "sync_cron", "config_json", "credentials_json"} <= set(
        page.fields
    )
    html = await resp.text()
    assert "/ui/static/vendor/json-editor/jsoneditor.js" in page.script_sources
    assert "&#34;roots&#34;" in html  # the schema, for JSON Editor, as an attribute
    assert ">Create source</button>" in html

    unknown = await client.get("/ui/sources/new?source_type=nobody-serves-this")
    assert unknown.status == 404
    assert unknown.content_type == "text/html"


async def test_creating_a_source_through_the_form_stores_it_like_the_api(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, csrf = ui
    await _register(db_pool)
    source_id = await _create(client, csrf)

    row = await db_pool.fetchrow("SELECT * FROM sources WHERE id = $1", source_id)
    assert row["name"] == "Team files"
    assert row["source_type"] == "files"
    assert row["config"] == {"roots": ["/srv/team"]}
    assert (row["sync_interval_seconds"], row["sync_cron"]) == (900, None)
    assert await _secret(db_pool, source_id) == {"api_key": SECRET, "region": "eu"}

    listing = await (await client.get("/ui/sources")).text()
    [row] = re.findall(r"<tr>\s*<td><a href=\"/ui/sources/.*?</tr>", listing, re.S)
    assert f'href="/ui/sources/{source_id}">Team files</a>' in row
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[1:] == ["files", "yes", "never", "now"]  # never synced: due at once

    page = await (await client.get(f"/ui/sources/{source_id}")).text()
    assert "Team files" in page
    for button in ("Sync now", "Sync incremental", "Disable", "Delete"):
        assert f">{button}</button>" in page
    assert SECRET not in page


async def test_the_form_shows_what_is_wrong_and_keeps_what_was_typed(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, csrf = ui
    await _register(db_pool)
    data = {
        "csrf_token": csrf,
        "source_type": "files",
        "name": "Half done",
        "sync_interval_seconds": "900",
        "config_json": '{"depth": 2}',
        "credentials_json": f'{{"api_key": "{SECRET}"}}',
    }
    resp = await client.post("/ui/sources", data=data)
    assert resp.status == 422
    html = await resp.text()
    assert '<li class="problem">' in html
    assert "roots" in html
    assert 'value="Half done"' in html
    assert SECRET not in html  # a typed secret is not sent back either
    assert await db_pool.fetchval("SELECT count(*) FROM sources") == 0

    bad_json = await client.post("/ui/sources", data={**data, "config_json": "{nope"})
    assert bad_json.status == 422
    assert "Configuration: not valid JSON" in await bad_json.text()
    cron = await client.post("/ui/sources", data={**data, "sync_cron": "every day"})
    assert cron.status == 422
    assert "five fields" in await cron.text()


async def test_editing_keeps_a_secret_left_empty_and_merges_a_typed_one(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, csrf = ui
    await _register(db_pool)
    source_id = await _create(client, csrf)

    edit = await client.get(f"/ui/sources/{source_id}/edit")
    html = await edit.text()
    assert edit.status == 200
    assert SECRET not in html
    assert 'placeholder="unchanged"' in html
    assert "&#34;placeholder&#34;: &#34;unchanged&#34;" in html.replace(":&#34;", ": &#34;")
    assert ">Save</button>" in html
    assert audit(html).unlabelled == []

    save = {
        "csrf_token": csrf,
        "name": "Renamed",
        "sync_interval_seconds": "",
        "sync_cron": "*/15 * * * *",
        "config_json": '{"roots": ["/srv/other"]}',
        "credentials_json": '{"api_key": "", "region": ""}',
    }
    resp = await client.post(f"/ui/sources/{source_id}/edit", data=save, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    row = await db_pool.fetchrow("SELECT * FROM sources WHERE id = $1", source_id)
    assert (row["name"], row["config"]) == ("Renamed", {"roots": ["/srv/other"]})
    assert (row["sync_interval_seconds"], row["sync_cron"]) == (None, "*/15 * * * *")
    assert await _secret(db_pool, source_id) == {"api_key": SECRET, "region": "eu"}

    save["credentials_json"] = '{"region": "us"}'
    resp = await client.post(f"/ui/sources/{source_id}/edit", data=save, allow_redirects=False)
    assert resp.status == 303
    assert await _secret(db_pool, source_id) == {"api_key": SECRET, "region": "us"}


async def test_disable_enable_and_delete(ui: tuple[TestClient, str], db_pool: asyncpg.Pool) -> None:
    client, csrf = ui
    await _register(db_pool)
    source_id = await _create(client, csrf)

    resp = await client.post(f"/ui/sources/{source_id}/disable", data={"csrf_token": csrf})
    assert resp.status == 200
    assert ">Enable</button>" in await resp.text()
    assert await db_pool.fetchval("SELECT is_active FROM sources WHERE id = $1", source_id) is False
    await client.post(f"/ui/sources/{source_id}/enable", data={"csrf_token": csrf})
    assert await db_pool.fetchval("SELECT is_active FROM sources WHERE id = $1", source_id) is True

    resp = await client.post(
        f"/ui/sources/{source_id}/delete", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert (resp.status, resp.headers["Location"]) == (303, "/ui/sources")
    assert await db_pool.fetchval("SELECT is_deleted FROM sources WHERE id = $1", source_id)
    gone = await client.get(f"/ui/sources/{source_id}")
    assert gone.status == 404
    assert gone.content_type == "text/html"


async def test_sync_now_starts_a_run_and_opens_its_page(
    ui: tuple[TestClient, str],
    db_pool: asyncpg.Pool,
    fake_connector: tuple[FakeConnector, str],
) -> None:
    client, csrf = ui
    fake, url = fake_connector
    await _register(db_pool, url)
    source_id = await _create(client, csrf)

    resp = await client.post(
        f"/ui/sources/{source_id}/sync",
        data={"csrf_token": csrf, "sync_mode": "full"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    run_id = resp.headers["Location"].rsplit("/", 1)[1]
    run = await db_pool.fetchrow("SELECT * FROM sync_runs WHERE id = $1", run_id)
    assert (run["source_id"], run["sync_type"], run["trigger_type"]) == (
        source_id,
        "full",
        "manual",
    )
    assert fake.paths() == ["/sync"]
    # The connector receives the secret; the browser never does.
    assert SECRET not in await (await client.get(resp.headers["Location"])).text()

    # A second sync while one runs is refused on the source page, with the reason.
    resp = await client.post(
        f"/ui/sources/{source_id}/sync", data={"csrf_token": csrf, "sync_mode": "full"}
    )
    assert resp.status == 409
    assert '<p class="error" role="alert">' in await resp.text()


async def test_the_list_shows_each_sources_last_run_and_when_its_schedule_is_next_due(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, csrf = ui
    await _register(db_pool)
    synced = await _create(client, csrf, name="Synced files")
    await _create(client, csrf, name="Fresh files")
    await insert_run(db_pool, synced, status="failed", created_at=START - timedelta(hours=2))
    last = await insert_run(db_pool, synced, status="completed", created_at=START)

    listing = await (await client.get("/ui/sources")).text()
    rows = {
        name: re.findall(r"<td>(.*?)</td>", row, re.S)
        for name, row in re.findall(
            r"<tr>\s*<td><a href=\"/ui/sources/[^\"]+\">([^<]+)</a>(.*?)</tr>", listing, re.S
        )
    }
    assert rows["Fresh files"][-2:] == ["never", "now"]
    last_run, next_due = rows["Synced files"][-2:]
    assert f'href="/ui/runs/{last}"' in last_run
    assert "status-completed" in last_run
    # Due one interval (900 s, the form's) after the last successful run.
    assert f'datetime="{(START + timedelta(seconds=900)).isoformat()}"' in next_due
