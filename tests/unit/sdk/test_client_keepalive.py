"""The SDK keeps its connection to the manager open between registration heartbeats."""

from __future__ import annotations

import aiohttp

from sdk.client import KEEPALIVE_SECONDS, ManagerClient
from sdk.registration import REGISTRATION_INTERVAL_SECONDS


async def test_idle_connections_outlive_the_interval_between_heartbeats() -> None:
    assert KEEPALIVE_SECONDS > REGISTRATION_INTERVAL_SECONDS
    # ... and the client closes before aiohttp's server does (75 s), not the other way round.
    assert KEEPALIVE_SECONDS < 75
    async with ManagerClient("http://127.0.0.1:9", "token") as client:
        connector = client._get_session().connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert connector._keepalive_timeout == KEEPALIVE_SECONDS
