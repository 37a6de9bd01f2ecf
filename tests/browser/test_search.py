"""Searching from the console: a phrase is found with its words marked, and documents whose text
is markup (a plain-text file of tags, an HTML page with scripts) show as text and run nothing."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page

from tests.browser.conftest import Indexed, Watched
from tests.browser.stack import HOSTILE_IMG, HOSTILE_PHRASE, PHRASE, XSS_MARKER, Stack

pytestmark = [pytest.mark.asyncio(loop_scope="package"), pytest.mark.e2e, pytest.mark.timeout(300)]


async def _search(page: Page, query: str) -> None:
    await page.get_by_role("link", name="Search", exact=True).click()
    await page.get_by_label("Query").fill(query)
    await page.get_by_label("Query").press("Enter")
    await page.wait_for_url(re.compile(r"/ui/search\?.*q="))
    await page.wait_for_load_state("networkidle")


async def test_search_finds_a_phrase_and_opens_the_document(
    signed_in: Watched, stack: Stack, indexed: Indexed
) -> None:
    page = signed_in.page
    assert await page.get_by_label("Source").count() == 0  # only on the search page
    await _search(page, PHRASE)
    for label in ("Query", "Source", "User"):
        assert await page.get_by_label(label, exact=True).count() == 1, label

    results = page.locator("li.result")
    found = results.filter(has=page.get_by_role("link", name="notes.txt"))
    assert await found.count() >= 1
    marked = await found.first.locator("mark").all_inner_texts()
    assert {word.lower() for word in marked} >= set(PHRASE.split()), marked

    await found.first.get_by_role("link", name="notes.txt").click()
    await page.wait_for_url(re.compile(r"/ui/documents/\d+$"))
    assert PHRASE in await page.locator("main").inner_text()


async def test_markup_in_documents_is_shown_as_text_and_never_runs(
    signed_in: Watched, stack: Stack, indexed: Indexed
) -> None:
    page = signed_in.page
    await _search(page, HOSTILE_PHRASE)

    results = page.locator("li.result")
    assert await results.count() == 2, await page.locator("main").inner_text()
    assert await page.evaluate(f"window.{XSS_MARKER}") is None
    for element in ("script", "img", "iframe", "[onerror]", "[onload]"):
        assert await results.locator(element).count() == 0, element
    text = await results.filter(has=page.get_by_role("link", name="markup.txt")).inner_text()
    assert f"window.{XSS_MARKER} = 1" in text
    assert HOSTILE_IMG in text  # the tag that reaches the snippet, shown as text

    # The document page shows the whole text, tags included, as characters.
    await page.get_by_role("link", name="markup.txt").click()
    await page.wait_for_url(re.compile(r"/ui/documents/\d+$"))
    await page.wait_for_load_state("networkidle")
    shown = await page.locator("main").inner_text()
    assert f"<script>window.{XSS_MARKER} = 1</script>" in shown
    assert HOSTILE_IMG in shown
    assert await page.locator("main script, main img").count() == 0
    assert await page.evaluate(f"window.{XSS_MARKER}") is None

    await page.go_back()
    await page.get_by_role("link", name="page.html").click()
    await page.wait_for_url(re.compile(r"/ui/documents/\d+$"))
    await page.wait_for_load_state("networkidle")
    assert await page.locator("main script, main img").count() == 0
    assert await page.evaluate(f"window.{XSS_MARKER}") is None
    assert signed_in.csp_violations() == []
