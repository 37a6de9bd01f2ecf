"""Creating a filesystem source through the form JSON Editor generates from the connector's
``config_schema``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import Watched
from tests.browser.stack import Stack, write_documents

pytestmark = [pytest.mark.asyncio(loop_scope="package"), pytest.mark.e2e, pytest.mark.timeout(300)]


async def test_create_a_filesystem_source_through_the_generated_form(
    signed_in: Watched, stack: Stack, tmp_path: Path
) -> None:
    folder = write_documents(tmp_path / "form-documents")
    page = signed_in.page

    await page.get_by_role("link", name="New source").click()
    await page.get_by_role("link", name="filesystem", exact=True).click()
    await page.wait_for_url(re.compile(r"/ui/sources/new\?source_type=filesystem$"))

    await page.get_by_label("Name", exact=True).fill("Team folder")
    # The generated form: the schema's required "roots" array starts with one item, labelled
    # by JSON Editor from the schema's title.
    await page.locator(".json-form").first.get_by_label("Roots 1", exact=True).fill(str(folder))
    await page.get_by_role("button", name="Create source").click()

    await page.wait_for_url(re.compile(r"/ui/sources/[0-9A-Z]{26}$"))
    assert await page.get_by_role("heading", name="Team folder", level=1).is_visible()
    source_id = page.url.rsplit("/", 1)[1]
    status, source = await stack.api("GET", f"/api/sources/{source_id}")
    assert status == 200, source
    assert source["source_type"] == "filesystem"
    assert source["config"]["roots"] == [str(folder)]
    assert source["is_active"] is True

    await page.get_by_role("link", name="Sources", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Team folder"))
    assert await row.count() == 1
    assert await row.get_by_role("cell", name="filesystem", exact=True).count() == 1
