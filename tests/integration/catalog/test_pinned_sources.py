"""Declarative sources pinned to a catalog version: config and credentials checked against the
descriptor, the auth profile's test endpoint run against a real API (httpbin), archived versions,
explicit upgrades, and the descriptor on the wire (§4.7 Sluice addition)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from sluice_sdk.models import SyncConfig
from tests.integration.admin.factories import ADMIN, SDK, SOURCES_ANY_TYPE, source_body
from tests.integration.catalog.descriptors import SLUG, document, text, with_meta
from tests.support.http import free_port
from tests.support.thirdparty import RunningServer

GOOD = {"auth_type": "basic", "credentials": {"username": "alice", "password": "s3cret"}}


async def push(client: TestClient, doc: dict[str, Any], status: str = "published") -> None:
    resp = await client.post(
        "/api/descriptors", data=text(doc), params={"status": status}, headers=ADMIN
    )
    assert resp.status in (200, 201), await resp.text()


def pinned_body(base_url: str, version: str = "1.0.0", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Echo",
        "descriptor": {"slug": SLUG, "version": version},
        "config": {"base_url": base_url},
        "credentials": GOOD,
    }
    body.update(overrides)
    return body


async def create(client: TestClient, body: dict[str, Any]) -> Any:
    return await client.post("/api/sources", json=body, headers=ADMIN)


async def count_sources(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM sources"))


@pytest.fixture
async def published(client: TestClient) -> None:
    await push(client, document())


@pytest.mark.usefixtures("published")
async def test_create_pins_the_version_and_checks_credentials_upstream(
    client: TestClient, httpbin_server: RunningServer, db_pool: asyncpg.Pool
) -> None:
    resp = await create(client, pinned_body(httpbin_server.base_url))
    assert resp.status == 201, await resp.text()
    raw = await resp.text()
    created = await resp.json()
    assert created["source_type"] == "declarative"
    assert created["descriptor"] == {"slug": SLUG, "version": "1.0.0"}
    # The descriptor's default fills the config; the credential names its profile.
    assert created["config"] == {"base_url": httpbin_server.base_url, "page_size": 10}
    assert created["credential"]["auth_type"] == "basic"
    assert created["credential"]["provider"] == SLUG
    assert "s3cret" not in raw
    stored = await db_pool.fetchval("SELECT secret_encrypted FROM credentials")
    assert b"s3cret" not in bytes(stored)
    listed = await (await client.get("/api/sources", headers=ADMIN)).text()
    assert "s3cret" not in listed
    # The runtime gets the pinned document with the config and credentials (§4.7).
    resp = await client.get(f"/sdk/source/{created['id']}/sync-config", headers=SDK)
    sync_config = SyncConfig.model_validate(await resp.json())
    assert sync_config.descriptor is not None
    assert sync_config.descriptor["metadata"]["slug"] == SLUG
    assert sync_config.descriptor["metadata"]["version"] == "1.0.0"
    assert sync_config.credentials == GOOD["credentials"]


async def test_sync_config_of_other_sources_has_no_descriptor(client: TestClient) -> None:
    resp = await client.post(SOURCES_ANY_TYPE, json=source_body(), headers=ADMIN)
    source_id = (await resp.json())["id"]
    body = await (await client.get(f"/sdk/source/{source_id}/sync-config", headers=SDK)).json()
    assert "descriptor" not in body


@pytest.mark.usefixtures("published")
async def test_failing_test_endpoint_refuses_the_source_with_the_upstream_status(
    client: TestClient, httpbin_server: RunningServer, db_pool: asyncpg.Pool
) -> None:
    wrong = {"auth_type": "basic", "credentials": {"username": "alice", "password": "nope"}}
    resp = await create(client, pinned_body(httpbin_server.base_url, credentials=wrong))
    assert resp.status == 422
    body = await resp.json()
    assert body["upstream_status"] == 401
    assert "credentials test failed" in body["error"]
    assert "nope" not in body["error"]
    assert await count_sources(db_pool) == 0


@pytest.mark.usefixtures("published")
async def test_unreachable_upstream_refuses_the_source(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    resp = await create(client, pinned_body(f"http://127.0.0.1:{free_port()}"))
    assert resp.status == 422
    body = await resp.json()
    assert body["upstream_status"] is None
    assert "credentials test failed" in body["error"]
    assert await count_sources(db_pool) == 0


@pytest.mark.usefixtures("published")
async def test_another_profile_is_chosen_by_auth_type(
    client: TestClient, httpbin_server: RunningServer
) -> None:
    token = {"auth_type": "api_key", "credentials": {"token": "t-1"}}
    resp = await create(client, pinned_body(httpbin_server.base_url, credentials=token))
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["credential"]["auth_type"] == "api_key"


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("config", "credentials", "needle"),
    [
        ({}, GOOD, "config does not match the descriptor's source_config: base_url: required"),
        ({"base_url": "x", "region": "eu"}, GOOD, "region: unknown key"),
        ({"base_url": "x", "page_size": "ten"}, GOOD, "page_size: must be an integer"),
        ({"base_url": "x", "read_only": "yes"}, GOOD, "read_only: must be a boolean"),
        ({"base_url": "x"}, {"credentials": {"username": "alice"}}, "password: required"),
        ({"base_url": "x"}, {"credentials": {**GOOD["credentials"], "otp": "1"}}, "otp: unknown"),
        ({"base_url": "x"}, {"credentials": {"username": 5, "password": "p"}}, "must be a string"),
        ({"base_url": "x"}, {"auth_type": "service_account"}, "no profile of type"),
        ({"base_url": "x"}, None, "username: required"),
    ],
)
async def test_config_and_credentials_are_checked_against_the_descriptor(
    client: TestClient,
    db_pool: asyncpg.Pool,
    config: dict[str, Any],
    credentials: dict[str, Any] | None,
    needle: str,
) -> None:
    resp = await create(client, pinned_body("x", config=config, credentials=credentials))
    assert resp.status == 400
    body = await resp.json()
    assert needle in body["error"]
    assert body["problems"]
    assert "s3cret" not in body["error"]
    assert await count_sources(db_pool) == 0


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("overrides", "status", "needle"),
    [
        ({"descriptor": {"slug": "nope", "version": "1.0.0"}}, 400, "not in the catalog"),
        ({"descriptor": {"slug": SLUG, "version": "9.9.9"}}, 400, "not in the catalog"),
        ({"source_type": "widgets"}, 422, "source_type 'declarative'"),
        ({"descriptor": None, "source_type": "declarative"}, 422, "needs a descriptor"),
        ({"descriptor": None, "source_type": None}, 422, "give source_type"),
    ],
)
async def test_bad_pins_are_refused(
    client: TestClient, overrides: dict[str, Any], status: int, needle: str
) -> None:
    resp = await create(client, pinned_body("x", **overrides))
    assert resp.status == status
    assert needle in (await resp.json())["error"]


async def test_latest_pins_the_highest_published_version(
    client: TestClient, httpbin_server: RunningServer
) -> None:
    await push(client, document("1.0.0"))
    await push(client, document("1.1.0"))
    await push(client, document("2.0.0"), status="draft")
    resp = await create(client, pinned_body(httpbin_server.base_url, version="latest"))
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["descriptor"]["version"] == "1.1.0"
    # A draft may be pinned when named.
    resp = await create(client, pinned_body(httpbin_server.base_url, version="2.0.0"))
    assert resp.status == 201


async def test_an_archived_version_keeps_its_sources_but_takes_no_new_ones(
    client: TestClient, httpbin_server: RunningServer
) -> None:
    await push(client, document())
    resp = await create(client, pinned_body(httpbin_server.base_url))
    source_id = (await resp.json())["id"]
    resp = await client.patch(
        f"/api/descriptors/{SLUG}/1.0.0", json={"status": "archived"}, headers=ADMIN
    )
    assert resp.status == 200
    resp = await create(client, pinned_body(httpbin_server.base_url))
    assert resp.status == 409
    assert "archived" in (await resp.json())["error"]
    # The pinned source keeps running: its reads and its updates still work.
    resp = await client.get(f"/sdk/source/{source_id}/sync-config", headers=SDK)
    assert (await resp.json())["descriptor"]["metadata"]["version"] == "1.0.0"
    resp = await client.patch(f"/api/sources/{source_id}", json={"name": "Renamed"}, headers=ADMIN)
    assert resp.status == 200
    resp = await client.patch(
        f"/api/sources/{source_id}",
        json={"config": {"base_url": httpbin_server.base_url, "page_size": 3}},
        headers=ADMIN,
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["config"]["page_size"] == 3


async def test_patch_upgrades_the_pin_explicitly(
    client: TestClient, httpbin_server: RunningServer
) -> None:
    await push(client, document("1.0.0"))
    resp = await create(client, pinned_body(httpbin_server.base_url))
    source_id = (await resp.json())["id"]
    await push(client, document("1.1.0"))
    # Publishing a new version moves nothing by itself.
    resp = await client.get(f"/api/sources/{source_id}", headers=ADMIN)
    assert (await resp.json())["descriptor"]["version"] == "1.0.0"

    async def patch(body: dict[str, Any]) -> Any:
        return await client.patch(f"/api/sources/{source_id}", json=body, headers=ADMIN)

    resp = await patch({"descriptor": {"slug": SLUG, "version": "1.1.0"}})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["descriptor"] == {"slug": SLUG, "version": "1.1.0"}
    resp = await client.get(f"/sdk/source/{source_id}/sync-config", headers=SDK)
    assert (await resp.json())["descriptor"]["metadata"]["version"] == "1.1.0"

    resp = await patch({"descriptor": {"slug": SLUG, "version": "7.0.0"}})
    assert resp.status == 400
    resp = await patch({"descriptor": {"slug": "other-api", "version": "1.0.0"}})
    assert (resp.status, "keeps its descriptor" in (await resp.json())["error"]) == (400, True)
    resp = await patch({"descriptor": None})
    assert resp.status == 400
    resp = await patch({"credentials": None})
    assert resp.status == 400
    # An archived version other than the current one cannot be moved to.
    await client.patch(f"/api/descriptors/{SLUG}/1.0.0", json={"status": "archived"}, headers=ADMIN)
    resp = await patch({"descriptor": {"slug": SLUG, "version": "1.0.0"}})
    assert resp.status == 409
    resp = await client.get(f"/api/sources/{source_id}", headers=ADMIN)
    assert (await resp.json())["descriptor"]["version"] == "1.1.0"


async def test_an_upgrade_must_fit_the_stored_config_and_credentials(
    client: TestClient, httpbin_server: RunningServer
) -> None:
    await push(client, document("1.0.0"))
    resp = await create(client, pinned_body(httpbin_server.base_url))
    source_id = (await resp.json())["id"]
    token_only = document("2.0.0")
    token_only["authentication"] = token_only["authentication"][1:]
    for op in token_only["operations"]:
        op["auth_type_ref"] = "api_key"
    await push(client, token_only)
    resp = await client.patch(
        f"/api/sources/{source_id}",
        json={"descriptor": {"slug": SLUG, "version": "2.0.0"}},
        headers=ADMIN,
    )
    assert resp.status == 400
    assert "no profile of type 'basic'" in (await resp.json())["error"]
    # With new credentials that fit, the upgrade goes through (and is tested upstream).
    resp = await client.patch(
        f"/api/sources/{source_id}",
        json={
            "descriptor": {"slug": SLUG, "version": "2.0.0"},
            "credentials": {"auth_type": "api_key", "credentials": {"token": "t"}},
        },
        headers=ADMIN,
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["credential"]["auth_type"] == "api_key"


async def test_patching_a_plain_source_with_a_descriptor_is_refused(client: TestClient) -> None:
    await push(client, document())
    resp = await client.post(SOURCES_ANY_TYPE, json=source_body(), headers=ADMIN)
    source_id = (await resp.json())["id"]
    resp = await client.patch(
        f"/api/sources/{source_id}",
        json={"descriptor": {"slug": SLUG, "version": "1.0.0"}},
        headers=ADMIN,
    )
    assert resp.status == 400
    assert "not declarative" in (await resp.json())["error"]


@pytest.mark.usefixtures("published")
async def test_on_demand_test_runs_the_stored_credentials(
    client: TestClient, httpbin_server: RunningServer, db_pool: asyncpg.Pool
) -> None:
    resp = await create(client, pinned_body(httpbin_server.base_url))
    source_id = (await resp.json())["id"]
    resp = await client.post(f"/api/sources/{source_id}/test", headers=ADMIN)
    assert resp.status == 200
    assert await resp.json() == {
        "tested": True,
        "ok": True,
        "upstream_status": 200,
        "message": (await resp.json())["message"],
    }
    assert await db_pool.fetchval("SELECT last_validated_at FROM credentials") is not None
    # The upstream changed its mind (here: the source now points where the check fails).
    await db_pool.execute(
        "UPDATE sources SET config = jsonb_set(config, '{base_url}', to_jsonb($1::text))",
        httpbin_server.url("/status/403"),
    )
    resp = await client.post(f"/api/sources/{source_id}/test", headers=ADMIN)
    assert resp.status == 422
    assert (await resp.json())["upstream_status"] == 404

    resp = await client.post(SOURCES_ANY_TYPE, json=source_body(), headers=ADMIN)
    plain = (await resp.json())["id"]
    assert (await client.post(f"/api/sources/{plain}/test", headers=ADMIN)).status == 400
    assert (await client.post("/api/sources/nope/test", headers=ADMIN)).status == 404


async def test_a_profile_without_test_endpoint_is_not_tested(client: TestClient) -> None:
    doc = document()
    del doc["authentication"][0]["test_endpoint"]
    await push(client, with_meta(doc, version="3.0.0"))
    resp = await create(client, pinned_body("http://127.0.0.1:9", version="3.0.0"))
    assert resp.status == 201, await resp.text()
    source_id = (await resp.json())["id"]
    resp = await client.post(f"/api/sources/{source_id}/test", headers=ADMIN)
    body = await resp.json()
    assert (resp.status, body["tested"], body["ok"]) == (200, False, True)
