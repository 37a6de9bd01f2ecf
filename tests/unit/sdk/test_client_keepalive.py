"""The SDK keeps its connection to the manager open between registration heartbeats."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from sluice_sdk.client import KEEPALIVE_SECONDS, ManagerClient
from sluice_sdk.models import ConnectorManifest
from sluice_sdk.registration import REGISTRATION_INTERVAL_SECONDS

MANIFEST = ConnectorManifest(
    name="m", version="1", sync_modes=["full"], connector_id="m", connector_url="http://c:1"
)


async def test_idle_connections_outlive_the_interval_between_heartbeats() -> None:
    assert KEEPALIVE_SECONDS > REGISTRATION_INTERVAL_SECONDS
    # ... and the client closes before aiohttp's server does (75 s), not the other way round.
    assert KEEPALIVE_SECONDS < 75
    async with ManagerClient("http://127.0.0.1:9", "token") as client:
        connector = client._session().connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert connector._keepalive_timeout == KEEPALIVE_SECONDS


async def test_registrations_reuse_the_pooled_connection() -> None:
    """Heartbeats and other calls made one after another share one kept-alive connection."""
    seen: list[tuple[str, int]] = []

    async def record(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        assert peer is not None
        seen.append((request.path, peer[1]))
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/sdk/register", record)
    app.router.add_post("/sdk/events/batch", record)
    async with TestServer(app) as server, ManagerClient(str(server.make_url("")), "t") as client:
        await client.register(MANIFEST)
        await client.post_event_batch("run", "source", [b'{"type": "x"}'])
        await client.register(MANIFEST)
        await client.register(MANIFEST)
    assert [path for path, _ in seen] == [
        "/sdk/register",
        "/sdk/events/batch",
        "/sdk/register",
        "/sdk/register",
    ]
    assert len({port for _, port in seen}) == 1
