"""The admin app on a real TestServer over a fresh database (the admin tests' fixtures), with the
third-party API servers (httpbin, oauth2-mock-server) the pinned-source tests call."""

from __future__ import annotations

from tests.integration.admin.conftest import client, clock, fake_connector
from tests.support.thirdparty import httpbin_server, oauth2_server

__all__ = ["client", "clock", "fake_connector", "httpbin_server", "oauth2_server"]
