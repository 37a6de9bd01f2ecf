"""The manager app (console included) on a real TestServer over a fresh database, and a client
already signed in to the console."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.conftest import client, clock, fake_connector
from tests.integration.admin.factories import make_app

__all__ = ["client", "clock", "fake_connector"]

ADMIN_TOKEN = "adm-token"  # tests.integration.admin.factories.settings
# Every page's <body> carries it for htmx; each form also as a hidden field.
_CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = _CSRF.search(html)
    assert match is not None, "no CSRF token in the page"
    return match.group(1) or match.group(2)


async def sign_in(client: TestClient) -> str:
    """Sign in through the login form; the session's CSRF token."""
    page = await client.get("/ui/login")
    resp = await client.post(
        "/ui/login",
        data={"token": ADMIN_TOKEN, "csrf_token": csrf_of(await page.text()), "next": "/ui/"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    sources = await client.get("/ui/sources")
    assert sources.status == 200
    return csrf_of(await sources.text())


@pytest.fixture
async def ui(client: TestClient) -> tuple[TestClient, str]:
    """A client signed in to the console, and its CSRF token."""
    return client, await sign_in(client)


@pytest.fixture
async def tokenless_client(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[TestClient]:
    """The app with no admin token configured."""
    app = make_app(db_pool, clock, admin_token="")
    async with TestClient(TestServer(app)) as test_client:
        yield test_client
