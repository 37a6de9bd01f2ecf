"""Registration is no port probe (issue 19 item 5, protocol §4.1 step 6).

The manager calls a connector's URL only when its address is in ``connector_networks`` (default:
loopback and private ranges), and its health check never follows a redirect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.conftest import AUTH, HealthyConnector, make_settings

Client = TestClient[web.Request, web.Application]


def manifest(url: str) -> dict[str, Any]:
    return {
        "name": "probe",
        "version": "1.0.0",
        "sync_modes": ["full"],
        "connector_id": "probe",
        "connector_url": url,
        "source_types": ["probe_type"],
    }


@pytest.fixture
async def only_ten_net(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[Client]:
    settings = make_settings(connector_networks="10.0.0.0/8", health_check_timeout_seconds=2)
    app = create_app(settings, db_pool, clock=clock, run_leader_work=False)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_a_url_outside_the_networks_is_refused_without_a_connection(
    only_ten_net: Client, connector: HealthyConnector, db_pool: asyncpg.Pool
) -> None:
    resp = await only_ten_net.post("/sdk/register", json=manifest(connector.url), headers=AUTH)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert "127.0.0.1" in error
    assert "connector_networks" in error
    assert connector.health_calls == []  # never connected
    assert await db_pool.fetchval("SELECT count(*) FROM connectors") == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8:1",
        "http://[::ffff:8.8.8.8]:1",  # an IPv4 address written as IPv6
        "http://169.254.169.254",  # link-local: cloud metadata services
        "http://0.0.0.0:1",
        "https://[2001:4860:4860::8888]/x",
    ],
)
async def test_public_addresses_are_refused_by_default(
    db_pool: asyncpg.Pool, clock: FrozenClock, url: str
) -> None:
    settings = make_settings(health_check_timeout_seconds=2)
    app = create_app(settings, db_pool, clock=clock, run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        resp = await client.post("/sdk/register", json=manifest(url), headers=AUTH)
        assert resp.status == 400
        assert "is not in connector_networks" in (await resp.json())["error"]


async def test_loopback_and_localhost_are_allowed_by_default(
    client: Client, connector: HealthyConnector
) -> None:
    resp = await client.post("/sdk/register", json=manifest(connector.url), headers=AUTH)
    assert resp.status == 200
    localhost = connector.url.replace("127.0.0.1", "localhost")
    body = manifest(localhost) | {"connector_id": "probe-2"}
    resp = await client.post("/sdk/register", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()


async def test_the_health_check_never_follows_a_redirect(
    client: Client, connector: HealthyConnector
) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(connector.url + "/health")

    app = web.Application()
    app.router.add_get("/health", moved)
    redirecting = TestServer(app)
    await redirecting.start_server()
    try:
        url = str(redirecting.make_url("")).rstrip("/")
        resp = await client.post("/sdk/register", json=manifest(url), headers=AUTH)
    finally:
        await redirecting.close()
    assert resp.status == 400
    assert (await resp.json())["error"] == f"connector health check failed at {url}"
    assert connector.health_calls == []  # the redirect's target was never asked
