"""OAuth2 authorization-code consent for a declarative source, against oauth2-mock-server: start,
the provider's redirect, the open callback, the tokens stored encrypted in the credential."""

from __future__ import annotations

import urllib.parse
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import ADMIN, SDK, START, make_app
from tests.integration.catalog.descriptors import SLUG, document, oauth_profile, text
from tests.support.thirdparty import RunningServer

CLIENT = {"client_id": "sluice-app", "client_secret": "app-secret"}


def consent_document(oauth2: RunningServer, httpbin: RunningServer) -> dict[str, Any]:
    doc = document()
    profile = oauth_profile(oauth2.url("/authorize"), oauth2.url("/token"))
    profile["test_endpoint"] = {
        "url": "{base_url}/bearer",
        "headers": {"Authorization": "Bearer {access_token}"},
    }
    doc["authentication"].append(profile)
    return doc


@pytest.fixture
async def source_id(
    client: TestClient, oauth2_server: RunningServer, httpbin_server: RunningServer
) -> str:
    doc = consent_document(oauth2_server, httpbin_server)
    resp = await client.post(
        "/api/descriptors", data=text(doc), params={"status": "published"}, headers=ADMIN
    )
    assert resp.status == 201, await resp.text()
    body = {
        "name": "Consent",
        "descriptor": {"slug": SLUG, "version": "1.0.0"},
        "config": {"base_url": httpbin_server.base_url},
        "credentials": {"auth_type": "oauth2_authorization_code", "credentials": CLIENT},
    }
    resp = await client.post("/api/sources", json=body, headers=ADMIN)
    # No token yet, so nothing to test: the source is created.
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def start(client: TestClient, source_id: str, **body: Any) -> Any:
    return await client.post(f"/api/sources/{source_id}/oauth/start", json=body, headers=ADMIN)


async def consent(authorize_url: str) -> dict[str, str]:
    """What the user's browser does: open the consent page, follow it back (not quite: we stop at
    the redirect and read its query)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(authorize_url, allow_redirects=False) as resp,
    ):
        assert resp.status in (301, 302, 303, 307), await resp.text()
        location = resp.headers["Location"]
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


async def test_consent_stores_the_tokens_in_the_credential(
    client: TestClient, source_id: str, oauth2_server: RunningServer, db_pool: asyncpg.Pool
) -> None:
    redirect = str(client.make_url("/api/oauth/callback"))
    resp = await start(client, source_id, redirect_uri=redirect)
    assert resp.status == 200, await resp.text()
    started = await resp.json()
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["authorize_url"]).query))
    assert started["authorize_url"].startswith(oauth2_server.url("/authorize"))
    assert query["client_id"] == "sluice-app"
    assert query["state"] == started["state"]
    assert query["redirect_uri"] == redirect
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "read"

    returned = await consent(started["authorize_url"])
    assert returned["state"] == started["state"]
    # The callback is open: the provider's redirect carries no admin token.
    resp = await client.get("/api/oauth/callback", params=returned)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["source_id"] == source_id

    resp = await client.get(f"/sdk/credentials/{source_id}", headers=SDK)
    secret = (await resp.json())["credentials"]
    assert secret["client_id"] == "sluice-app"
    assert secret["client_secret"] == "app-secret"
    assert secret["access_token"]
    assert secret["token_type"]
    assert isinstance(secret["expires_at"], int)
    stored = bytes(await db_pool.fetchval("SELECT secret_encrypted FROM credentials"))
    assert secret["access_token"].encode() not in stored
    admin_view = await (await client.get(f"/api/sources/{source_id}", headers=ADMIN)).text()
    assert secret["access_token"] not in admin_view
    assert await db_pool.fetchval("SELECT count(*) FROM oauth_states") == 0

    # The token works: the profile's test endpoint passes now.
    resp = await client.post(f"/api/sources/{source_id}/test", headers=ADMIN)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["tested"] is True

    # The state was used up.
    resp = await client.get("/api/oauth/callback", params=returned)
    assert resp.status == 400
    assert "state" in (await resp.json())["error"]


async def test_bad_expired_or_refused_states_are_400(
    client: TestClient, source_id: str, clock: FrozenClock, db_pool: asyncpg.Pool
) -> None:
    resp = await client.get("/api/oauth/callback", params={"code": "c", "state": "made-up"})
    assert resp.status == 400
    assert (await client.get("/api/oauth/callback", params={"code": "c"})).status == 400

    started = await (await start(client, source_id, redirect_uri="http://localhost/cb")).json()
    clock.advance(601)
    resp = await client.get("/api/oauth/callback", params={"code": "c", "state": started["state"]})
    assert resp.status == 400
    assert "expired" in (await resp.json())["error"]

    started = await (await start(client, source_id, redirect_uri="http://localhost/cb")).json()
    # Starting again removed the expired state.
    assert await db_pool.fetchval("SELECT count(*) FROM oauth_states") == 1
    resp = await client.get(
        "/api/oauth/callback", params={"error": "access_denied", "state": started["state"]}
    )
    assert resp.status == 400
    assert "access_denied" in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT count(*) FROM oauth_states") == 0


async def test_a_refused_code_exchange_is_422_and_keeps_the_credential(
    client: TestClient, source_id: str
) -> None:
    started = await (await start(client, source_id, redirect_uri="http://localhost/cb")).json()
    # A code the provider never issued, with the right state.
    resp = await client.get(
        "/api/oauth/callback", params={"code": "forged", "state": started["state"]}
    )
    assert resp.status == 422, await resp.text()
    body = await resp.json()
    assert "code exchange failed" in body["error"]
    assert body["upstream_status"] == 400
    resp = await client.get(f"/sdk/credentials/{source_id}", headers=SDK)
    assert (await resp.json())["credentials"] == CLIENT


async def test_start_refuses_what_cannot_consent(
    client: TestClient, source_id: str, db_pool: asyncpg.Pool, httpbin_server: RunningServer
) -> None:
    assert (await start(client, "nope")).status == 404
    resp = await start(client, source_id, redirect_uri="/relative")
    assert resp.status == 400
    assert "redirect_uri" in (await resp.json())["error"]
    # A source of another profile.
    body = {
        "name": "Basic",
        "descriptor": {"slug": SLUG, "version": "1.0.0"},
        "config": {"base_url": httpbin_server.base_url},
        "credentials": {"credentials": {"username": "alice", "password": "s3cret"}},
    }
    basic_id = (await (await client.post("/api/sources", json=body, headers=ADMIN)).json())["id"]
    resp = await start(client, basic_id)
    assert resp.status == 400
    assert "not oauth2_authorization_code" in (await resp.json())["error"]
    # No client_id to ask consent with.
    body["credentials"] = {"auth_type": "oauth2_authorization_code", "credentials": {}}
    bare_id = (await (await client.post("/api/sources", json=body, headers=ADMIN)).json())["id"]
    resp = await start(client, bare_id)
    assert (resp.status, "client_id" in (await resp.json())["error"]) == (400, True)
    assert await db_pool.fetchval("SELECT count(*) FROM oauth_states") == 0


async def test_default_redirect_uri_is_the_public_callback(
    db_pool: asyncpg.Pool, source_id: str
) -> None:
    app = make_app(db_pool, FrozenClock(START), public_url="https://sluice.example.com/")
    async with TestClient(TestServer(app)) as other:
        resp = await start(other, source_id)
        assert resp.status == 200, await resp.text()
        started = await resp.json()
    assert started["redirect_uri"] == "https://sluice.example.com/api/oauth/callback"
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["authorize_url"]).query))
    assert query["redirect_uri"] == started["redirect_uri"]
