"""Every console page, crawled by its links as a signed-in operator: a credential typed into a
source form never comes back in any page, and no page breaks its Content-Security-Policy or has
a form field without a label."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Indexed, Watched
from tests.browser.crawl import crawl
from tests.browser.stack import Stack
from tests.chaos.harness import ADMIN_TOKEN

pytestmark = [pytest.mark.asyncio(loop_scope="package"), pytest.mark.e2e, pytest.mark.timeout(300)]

# The token the notes test connector accepts (tests/mcp_server/notes_connector.py): its lookup
# action answers token_ok only when this exact secret reached it.
SECRET = "notes-secret"
START = ["/ui/sources", "/ui/connectors", "/ui/runs", "/ui/search", "/ui/catalog", "/ui/queue"]
START += ["/ui/catalog/validate", "/ui/search?q=periwinkle"]


def _directives(policy: str) -> dict[str, str]:
    pairs = (part.strip().partition(" ") for part in policy.split(";"))
    return {name: value.strip() for name, _, value in pairs if name}


async def _token_ok(stack: Stack, source_id: str) -> bool:
    status, body = await stack.api(
        "POST", f"/api/sources/{source_id}/actions/lookup", {"params": {"q": "x"}}
    )
    assert status == 200, body
    return bool(body["result"]["token_ok"])


async def test_a_secret_typed_in_a_form_is_never_in_any_page(
    signed_in: Watched, stack: Stack, indexed: Indexed
) -> None:
    page = signed_in.page
    await page.get_by_role("link", name="New source").click()
    await page.get_by_role("link", name="notes", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("Notes with a secret")
    secret_input = page.locator(".json-form[data-secret] input[type=password]")
    assert await secret_input.count() == 1
    await secret_input.fill(SECRET)
    await page.get_by_role("button", name="Create source").click()
    await page.wait_for_url(re.compile(r"/ui/sources/[0-9A-Z]{26}$"))
    source_id = page.url.rsplit("/", 1)[1]
    assert await _token_ok(stack, source_id)

    # The edit form leaves the secret out, says it is unchanged, and keeps it on save.
    await page.get_by_role("link", name="Edit").click()
    await page.wait_for_url(re.compile(r"/edit$"))
    secret_input = page.locator(".json-form[data-secret] input[type=password]")
    assert await secret_input.input_value() == ""
    assert "unchanged" in (await secret_input.get_attribute("placeholder") or "")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url(re.compile(rf"/ui/sources/{source_id}$"))
    assert await _token_ok(stack, source_id)

    visits = await crawl(signed_in, stack.url, [*START, f"/ui/sources/{source_id}/edit"])
    assert {v.path for v in visits} >= {*START, f"/ui/sources/{source_id}/edit"}
    for visit in visits:
        for where, text in (("HTTP body", visit.raw), ("DOM", visit.dom)):
            assert SECRET not in text, f"the secret is in the {where} of {visit.path}"
            assert ADMIN_TOKEN not in text, f"the admin token is in the {where} of {visit.path}"
        assert SECRET not in visit.values, f"the secret is an input value on {visit.path}"


async def test_no_page_breaks_its_content_security_policy_or_leaves_a_field_unlabelled(
    signed_in: Watched, stack: Stack, indexed: Indexed
) -> None:
    visits = await crawl(signed_in, stack.url, START)
    assert len(visits) >= len(START)
    for visit in visits:
        assert visit.status == 200, (visit.path, visit.status)
        policy = visit.headers.get("content-security-policy", "")
        directives = _directives(policy)
        assert directives.get("script-src") == "'self'", (visit.path, policy)
        assert directives.get("object-src") == "'none'", (visit.path, policy)
        assert directives.get("frame-ancestors") == "'none'", (visit.path, policy)
        assert "default-src" in directives, (visit.path, policy)
        assert visit.inline == [], (visit.path, visit.inline)
        assert visit.csp_violations == [], (visit.path, visit.csp_violations)
        assert visit.unlabelled == [], (visit.path, visit.unlabelled)
        assert visit.problems == [], (visit.path, visit.problems)
