"""Signing in to the console: a wrong token is refused with an error, the admin token reaches the
sources page through a signed, HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Watched
from tests.browser.stack import Stack
from tests.chaos.harness import ADMIN_TOKEN

pytestmark = [pytest.mark.asyncio(loop_scope="package"), pytest.mark.e2e, pytest.mark.timeout(300)]


async def test_wrong_token_is_refused_and_the_admin_token_reaches_sources(
    watched: Watched, stack: Stack
) -> None:
    page = watched.page
    await page.goto(f"{stack.url}/ui/sources")
    assert re.search(r"/ui/login\?next=%2Fui%2Fsources$|/ui/login\?next=/ui/sources$", page.url)

    await page.get_by_label("Admin token").fill("not-the-admin-token")
    async with page.expect_response(re.compile(r"/ui/login$")) as refused:
        await page.get_by_role("button", name="Sign in").click()
    assert (await refused.value).status == 401
    assert await page.get_by_role("alert").is_visible()
    assert "not-the-admin-token" not in await page.content()

    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/ui/sources$"))
    assert await page.get_by_role("heading", name="Sources", level=1).is_visible()
    assert await page.get_by_role("button", name="Sign out").is_visible()
    nav = page.get_by_role("navigation")
    for name in ("Connectors", "Sources", "Runs", "Search", "Catalog", "Queue"):
        assert await nav.get_by_role("link", name=name, exact=True).count() == 1, name

    cookies = await page.context.cookies()
    assert cookies, "signing in set no cookie"
    for cookie in cookies:
        assert cookie["httpOnly"], cookie["name"]
        assert cookie["sameSite"] == "Strict", cookie["name"]
        assert ADMIN_TOKEN not in cookie["value"], "the session cookie carries the admin token"

    await page.get_by_role("button", name="Sign out").click()
    await page.goto(f"{stack.url}/ui/runs")
    assert "/ui/login" in page.url
