"""A connector with a scoped token checks the manager's token by its digest (protocol §2 item 3).

The manager sends its shared connector token to every connector; a connector given a scoped token
must not hold the shared one (it would open every source), so it is given its SHA-256 instead.
"""

from __future__ import annotations

import hashlib

import aiohttp

from sluice_sdk.server import ConnectorServer
from sluice_sdk.settings import ConnectorSettings
from sluice_sdk.testing import FAST_RETRY, FakeManager
from tests.integration.sdk.conftest import Demo

SHARED = "the-managers-shared-token"
SCOPED = "slc_only-this-connector"


async def _status(server: ConnectorServer, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + "/manifest", headers=headers) as resp,
    ):
        return resp.status


async def test_the_manager_token_is_accepted_by_its_digest(fake: FakeManager) -> None:
    settings = ConnectorSettings(
        manager_url=fake.url,
        connector_token=SCOPED,
        manager_token_sha256=hashlib.sha256(SHARED.encode()).hexdigest(),
        listen_host="127.0.0.1",
        port=0,
    )
    server = ConnectorServer(Demo(), settings, retry=FAST_RETRY, registration_retry_base=0.01)
    await server.start()
    try:
        assert await _status(server, SHARED) == 200
        assert await _status(server, SCOPED) == 200
        assert await _status(server, None) == 401
        assert await _status(server, "wrong") == 401
        assert await _status(server, hashlib.sha256(SHARED.encode()).hexdigest()) == 401
        # What the connector sends the manager is its own (scoped) token.
        assert settings.outgoing_token == SCOPED
    finally:
        await server.stop()
