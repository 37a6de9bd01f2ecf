"""Validating a pasted descriptor in the catalog: an error is shown at its line and column."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Watched
from tests.browser.stack import Stack
from tests.chaos.harness import REPO

pytestmark = [pytest.mark.asyncio(loop_scope="package"), pytest.mark.e2e, pytest.mark.timeout(300)]

EXAMPLE = REPO / "descriptor" / "examples" / "json-server-notes.yaml"
GOOD_LINE = "    method: POST"
BAD_LINE = "    method: FETCH"


async def test_a_pasted_descriptor_with_an_error_shows_it_at_its_line(
    signed_in: Watched, stack: Stack
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    line = lines.index(GOOD_LINE) + 1
    broken = text.replace(GOOD_LINE, BAD_LINE, 1)
    page = signed_in.page

    await page.get_by_role("link", name="Catalog", exact=True).click()
    await page.goto(f"{stack.url}/ui/catalog/validate")
    descriptor = page.get_by_label("Descriptor", exact=True)
    await descriptor.fill(broken)
    await page.get_by_role("button", name="Validate").click()

    problems = page.locator("li.problem")
    await problems.first.wait_for()
    assert await problems.count() == 1, await problems.all_inner_texts()
    problem = await problems.first.inner_text()
    assert re.search(rf"\bline {line}\b", problem), problem
    assert "method" in problem, problem
    assert "'GET'" in problem, problem
    # The pasted text stays, to be fixed in place.
    assert await page.get_by_label("Descriptor", exact=True).input_value() == broken

    await page.get_by_label("Descriptor", exact=True).fill(text)
    await page.get_by_role("button", name="Validate").click()
    await page.get_by_role("button", name="Push").wait_for()
    assert await page.locator("li.problem").count() == 0
